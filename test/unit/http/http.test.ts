import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConflictError, UnauthorizedError, UnavailableError, ValidationError } from '../../../lib/errors/index.js';
import { asResponse, created, HttpResponse, json, noContent, problemResponse, readJsonBody, text, toApiGatewayResult } from '../../../lib/http/index.js';

describe('response helpers', () => {
  it('builds JSON with content type and no-store by default', () => {
    const response = json({ a: 1 });

    expect(response).toEqual(new HttpResponse(200, '{"a":1}', { 'cache-control': 'no-store', 'content-type': 'application/json' }));
  });

  it('lets a route choose caching and extra headers, lower-casing header names', () => {
    const response = json([], 200, { cacheControl: 'private, max-age=60', headers: { ETag: '"v1"' } });

    expect(response.headers).toEqual({ 'cache-control': 'private, max-age=60', 'content-type': 'application/json', etag: '"v1"' });
  });

  it('answers 201 with a Location header', () => {
    expect(created({ id: 5 }, '/api/v1/drivers/5')).toMatchObject({ status: 201, headers: { location: '/api/v1/drivers/5' } });
  });

  it('answers 204 without a body or content type', () => {
    const response = noContent();

    expect(response.body).toBeUndefined();
    expect(response.headers['content-type']).toBeUndefined();
  });

  it('sends text with its own content type', () => {
    expect(text('a 1\n', 'text/plain; version=0.0.4')).toMatchObject({ body: 'a 1\n', headers: { 'content-type': 'text/plain; version=0.0.4' } });
  });

  it('reads plain results as 200 JSON and undefined as 204', () => {
    expect(asResponse({ ok: true }).status).toBe(200);
    expect(asResponse(undefined).status).toBe(204);
    expect(asResponse(null).body).toBe('null');
  });

  it('adds the correlation id to the API Gateway result', () => {
    expect(toApiGatewayResult(json({ a: 1 }, 202), 'corr-1')).toEqual({
      statusCode: 202,
      headers: { 'cache-control': 'no-store', 'content-type': 'application/json', 'x-correlation-id': 'corr-1' },
      body: '{"a":1}',
    });
  });
});

describe('problemResponse', () => {
  beforeEach(() => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  const bodyOf = (response: HttpResponse) => JSON.parse(response.body ?? '{}') as { error: Record<string, unknown> };

  it('lists the field problems of a validation error', () => {
    const response = problemResponse(new ValidationError('query.page: must be at least 1', [{ field: 'query.page', message: 'must be at least 1' }]), 'c1');

    expect(response.status).toBe(400);
    expect(bodyOf(response)).toEqual({
      error: { code: 'validation_failed', message: 'query.page: must be at least 1', fields: [{ field: 'query.page', message: 'must be at least 1' }], correlation_id: 'c1' },
    });
  });

  it('leaves out fields when an error has none', () => {
    expect(bodyOf(problemResponse(new ConflictError('Username taken'), 'c2'))).toEqual({ error: { code: 'conflict', message: 'Username taken', correlation_id: 'c2' } });
  });

  it('challenges for a Bearer token on 401 and asks for a retry on 503', () => {
    expect(problemResponse(new UnauthorizedError('no'), 'c').headers['www-authenticate']).toBe('Bearer');
    expect(problemResponse(new UnavailableError('later'), 'c').headers['retry-after']).toBe('1');
  });

  it('hides the message of an unknown error behind a generic 500', () => {
    const response = problemResponse(new TypeError("Cannot read properties of undefined (reading 'secret')"), 'c3');

    expect(response.status).toBe(500);
    expect(bodyOf(response).error).toEqual({ code: 'internal_error', message: 'An unexpected error occurred. Quote the correlation id when reporting it.', correlation_id: 'c3' });
  });

  it('answers 503 for connection failures, statement timeouts and early Lambda timeouts', () => {
    const failures = [
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      Object.assign(new Error('[AbortError]: The operation was aborted.'), { name: 'TimeoutError' }),
    ];

    expect(failures.map((failure) => problemResponse(failure, 'c').status)).toEqual([503, 503, 503]);
  });

  it('answers a thrown non-error with a generic 500', () => {
    expect(problemResponse('a string', 'c').status).toBe(500);
  });
});

describe('readJsonBody', () => {
  const event = (body: string | undefined, headers: Record<string, string> = { 'content-type': 'application/json' }, isBase64Encoded = false) => ({
    body,
    headers,
    isBase64Encoded,
  });

  it('returns undefined when there is no body', () => {
    expect(readJsonBody(event(undefined), 100)).toBeUndefined();
    expect(readJsonBody(event(''), 100)).toBeUndefined();
  });

  it('parses JSON, including +json media types and mixed-case header names', () => {
    expect(readJsonBody(event('{"a":1}'), 100)).toEqual({ a: 1 });
    expect(readJsonBody(event('[1]', { 'Content-Type': 'application/merge-patch+json' }), 100)).toEqual([1]);
  });

  it('decodes base64 bodies', () => {
    expect(readJsonBody(event(Buffer.from('{"ü":"ß"}').toString('base64'), undefined, true), 100)).toEqual({ ü: 'ß' });
  });

  it('counts bytes, not characters, against the limit', () => {
    const body = JSON.stringify({ s: 'é'.repeat(40) });

    expect(() => readJsonBody(event(body), 60)).toThrow('Request body is 88 bytes; the limit is 60 bytes');
  });

  it('asks for a content type when a body has none', () => {
    expect(() => readJsonBody(event('{}', {}), 100)).toThrow('Content-Type must be application/json when a request has a body');
  });

  it('names the body and the syntax problem for malformed JSON', () => {
    let caught: unknown;
    try {
      readJsonBody(event('{"a":'), 100);
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).fields[0]).toMatchObject({ field: 'body', message: expect.stringMatching(/^is not valid JSON: /) as unknown });
  });
});
