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

  describe('PostgreSQL errors', () => {
    /** A postgres.js PostgresError as the server reports it (fields of its ErrorResponse). */
    const pgError = (code: string, fields: Record<string, string> = {}) =>
      Object.assign(new Error(fields.message ?? `postgres error ${code}`), { name: 'PostgresError', code, ...fields });

    it('answers 409 naming the columns of a duplicate key, without its values', () => {
      const response = problemResponse(pgError('23505', { detail: 'Key (username)=(bob) already exists.', constraint_name: 'users_username_key' }), 'c');

      expect(response.status).toBe(409);
      expect(bodyOf(response).error).toMatchObject({ code: 'conflict', message: 'A record with this username already exists' });
      expect(response.body).not.toContain('bob');
    });

    it('names the constraint instead of an expression key', () => {
      const response = problemResponse(pgError('23505', { detail: 'Key (lower(email::text))=(a@b.io) already exists.', constraint_name: 'drivers_email_key' }), 'c');

      expect(bodyOf(response).error.message).toBe('A record with the same values already exists (drivers_email_key)');
      expect(response.body).not.toMatch(/lower|a@b\.io/);
    });

    it('answers 400 for a missing reference, a broken CHECK, a NULL and a malformed value', () => {
      const cases = [
        pgError('23503', { detail: 'Key (driver_id)=(99) is not present in table "drivers".', constraint_name: 'vehicles_driver_id_fkey' }),
        pgError('23514', { constraint_name: 'drivers_name_check', table_name: 'drivers' }),
        pgError('23502', { column_name: 'name', table_name: 'drivers' }),
        pgError('22P02', { message: 'invalid input syntax for type bigint: "abc"' }),
        pgError('22003', { message: 'value "99999" is out of range for type smallint' }),
      ];

      const responses = cases.map((error) => problemResponse(error, 'c'));

      expect(responses.map((r) => r.status)).toEqual([400, 400, 400, 400, 400]);
      expect(responses.map((r) => bodyOf(r).error.message)).toEqual([
        'driver_id refers to a record that does not exist',
        'A value breaks the rule drivers_name_check',
        'name is required',
        'Invalid input: a value has an invalid format',
        'Invalid input: a number is out of range',
      ]);
      expect(responses.every((r) => bodyOf(r).error.code === 'validation_failed')).toBe(true);
    });

    it('answers 409 when a deleted row is still referenced', () => {
      const response = problemResponse(pgError('23503', { detail: 'Key (id)=(5) is still referenced from table "trips".', constraint_name: 'trips_driver_id_fkey' }), 'c');

      expect(response.status).toBe(409);
      expect(bodyOf(response).error.message).toBe('The record is still referenced by other records (trips_driver_id_fkey)');
    });

    it('answers 503 with Retry-After for a serialization failure, a deadlock and a lock timeout', () => {
      const responses = ['40001', '40P01', '55P03'].map((code) => problemResponse(pgError(code), 'c'));

      expect(responses.map((r) => [r.status, r.headers['retry-after'], bodyOf(r).error.code])).toEqual([
        [503, '1', 'unavailable'],
        [503, '1', 'unavailable'],
        [503, '1', 'unavailable'],
      ]);
    });

    it('keeps other database errors (bugs in our SQL) behind the generic 500', () => {
      const response = problemResponse(pgError('42P01', { message: 'relation "drivrs" does not exist' }), 'c');

      expect(response.status).toBe(500);
      expect(response.body).not.toContain('drivrs');
    });
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

  it('reads a JSON scalar body that serverless-offline passes already parsed as the JSON it was', () => {
    const parsedByOffline = (body: unknown) => ({ body: body as string, headers: { 'content-type': 'application/json' }, isBase64Encoded: false });

    expect(readJsonBody(parsedByOffline(false), 100)).toBe(false);
    expect(readJsonBody(parsedByOffline(3), 100)).toBe(3);
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
