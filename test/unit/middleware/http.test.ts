import type { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { issueToken, type Principal } from '../../../lib/auth/index.js';
import { assertUserActive } from '../../../lib/auth/cache.js';
import { NotFoundError, UnauthorizedError } from '../../../lib/errors/index.js';
import { json, noContent } from '../../../lib/http/index.js';
import { getCorrelationId, getLogger } from '../../../lib/logger/index.js';
import { renderPrometheus, resetMetrics } from '../../../lib/metrics/index.js';
import { httpHandler } from '../../../lib/middleware/index.js';
import { idParam, intParam } from '../../../lib/validation/index.js';
import { bodyOf, httpEvent, lambdaContext } from '../../helpers/lambda.js';

// Unit tests run without a database: the authorize step's account check is faked here (every
// account active unless a test says otherwise); test/integration/middleware/http-stack.test.ts
// runs the real one against the users table.
vi.mock(import('../../../lib/auth/cache.js'), async (importOriginal) => ({ ...(await importOriginal()), assertUserActive: vi.fn(() => Promise.resolve()) }));

interface Problem {
  error: { code: string; message: string; fields?: Array<{ field: string; message: string }>; correlation_id: string };
}

const driver: Principal = { userId: 7, role: 'driver', driverId: 42 };
const admin: Principal = { userId: 1, role: 'admin', driverId: null };

async function authHeader(principal: Principal, now?: Date) {
  return { authorization: `Bearer ${(await issueToken(principal, now)).token}` };
}

/** A route with every kind of input: path, query and body. */
const updateTrip = httpHandler(
  {
    route: 'PUT /api/v1/drivers/{driverId}/trips/{tripId}',
    auth: 'driver',
    schemas: {
      path: z.object({ driverId: idParam(), tripId: idParam() }),
      query: z.object({ page_size: intParam(1, 100).default(20), dry_run: z.enum(['true', 'false']).optional() }),
      body: z.object({ note: z.string().min(1).max(200), tags: z.array(z.string()).max(3).default([]) }),
    },
    maxBodyBytes: 2048,
  },
  ({ path, query, body, principal, correlationId }) => ({ path, query, body, user: principal.userId, correlationId }),
);

function updateTripEvent(overrides: { body?: string; headers?: Record<string, string>; query?: Record<string, string>; isBase64Encoded?: boolean } = {}) {
  return httpEvent({
    method: 'PUT',
    path: '/api/v1/drivers/42/trips/9',
    pathParameters: { driverId: '42', tripId: '9' },
    query: overrides.query ?? { page_size: '10' },
    headers: { 'content-type': 'application/json', ...overrides.headers },
    body: overrides.body ?? JSON.stringify({ note: 'late start' }),
    ...(overrides.isBase64Encoded ? { isBase64Encoded: true } : {}),
  });
}

describe('httpHandler', () => {
  let logLines: Array<Record<string, unknown>>;

  beforeEach(() => {
    resetMetrics();
    logLines = [];
    // Powertools writes ERROR and WARN lines to stderr, the rest to stdout.
    const capture = (chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        try {
          logLines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not a structured log line
        }
      }
      return true;
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  describe('valid input', () => {
    it('hands the business function typed, parsed path, query and body', async () => {
      const result = await updateTrip(updateTripEvent({ headers: await authHeader(driver) }), lambdaContext());

      expect(result.statusCode).toBe(200);
      expect(bodyOf(result)).toMatchObject({
        path: { driverId: 42, tripId: 9 },
        query: { page_size: 10 },
        body: { note: 'late start', tags: [] },
        user: 7,
      });
    });

    it('answers JSON that no shared cache keeps, with the correlation id header', async () => {
      const result = await updateTrip(updateTripEvent({ headers: { ...(await authHeader(driver)), 'x-correlation-id': 'client-id-1' } }), lambdaContext());

      expect(result.headers).toMatchObject({ 'content-type': 'application/json', 'cache-control': 'no-store', 'x-correlation-id': 'client-id-1' });
    });

    it('reads a base64-encoded body', async () => {
      const encoded = Buffer.from(JSON.stringify({ note: 'from base64' })).toString('base64');

      const result = await updateTrip(updateTripEvent({ headers: await authHeader(driver), body: encoded, isBase64Encoded: true }), lambdaContext());

      expect(bodyOf<{ body: { note: string } }>(result).body.note).toBe('from base64');
    });

    it('answers 204 when the business function returns nothing, and its own response when it returns one', async () => {
      const empty = httpHandler({ route: 'DELETE /x', auth: 'public' }, () => undefined);
      const custom = httpHandler({ route: 'GET /y', auth: 'public' }, () => json({ ok: true }, 202, { cacheControl: 'private, max-age=60' }));
      const explicit = httpHandler({ route: 'GET /z', auth: 'public' }, () => noContent());

      const [a, b, c] = await Promise.all([empty(httpEvent(), lambdaContext()), custom(httpEvent(), lambdaContext()), explicit(httpEvent(), lambdaContext())]);

      expect(a.statusCode).toBe(204);
      expect(a.body).toBeUndefined();
      expect(b.statusCode).toBe(202);
      expect(b.headers?.['cache-control']).toBe('private, max-age=60');
      expect(c.statusCode).toBe(204);
    });
  });

  describe('invalid input', () => {
    it('answers 400 naming the query parameter as the client sent it', async () => {
      const result = await updateTrip(updateTripEvent({ headers: await authHeader(driver), query: { page_size: '500' } }), lambdaContext());

      expect(result.statusCode).toBe(400);
      const problem = bodyOf<Problem>(result);
      expect(problem.error.code).toBe('validation_failed');
      expect(problem.error.message).toBe('query.page_size: must be an integer between 1 and 100');
      expect(problem.error.fields).toEqual([{ field: 'query.page_size', message: 'must be an integer between 1 and 100' }]);
    });

    it('answers 400 naming each query parameter of a route that takes none, and passes none on without them', async () => {
      const status = httpHandler({ route: 'GET /status', auth: 'public' }, ({ query }) => ({ query: query ?? null }));

      const refused = await status(httpEvent({ path: '/status', query: { verbose: '1' } }), lambdaContext());
      const served = await status(httpEvent({ path: '/status' }), lambdaContext());

      expect(refused.statusCode).toBe(400);
      expect(bodyOf<Problem>(refused).error.fields).toEqual([{ field: 'query.verbose', message: 'is not an accepted field' }]);
      expect(served.statusCode).toBe(200);
      expect(bodyOf(served)).toEqual({ query: null });
    });

    it('lists the problems of path, query and body in one answer', async () => {
      const event = updateTripEvent({ headers: await authHeader(driver), query: { dry_run: 'maybe' }, body: JSON.stringify({ note: '', tags: ['a', 'b', 'c', 'd'], extra: 1 }) });
      event.pathParameters = { driverId: 'abc', tripId: '9' };

      const result = await updateTrip(event, lambdaContext());

      expect(result.statusCode).toBe(400);
      expect(bodyOf<Problem>(result).error.fields?.map((f) => f.field)).toEqual(['path.driverId', 'query.dry_run', 'body.note', 'body.tags']);
    });

    it('answers 400 "body: is required" when a body route gets none', async () => {
      const event = updateTripEvent({ headers: await authHeader(driver) });
      delete event.body;

      const result = await updateTrip(event, lambdaContext());

      expect(bodyOf<Problem>(result).error.fields).toEqual([{ field: 'body', message: 'is required' }]);
    });

    it('answers 400 naming the problem when the body is not valid JSON', async () => {
      const result = await updateTrip(updateTripEvent({ headers: await authHeader(driver), body: '{"note": "x",}' }), lambdaContext());

      expect(result.statusCode).toBe(400);
      const problem = bodyOf<Problem>(result);
      expect(problem.error.fields?.[0]?.field).toBe('body');
      expect(problem.error.message).toMatch(/^body: is not valid JSON: /);
    });

    it('answers 413 with the size and the limit when the body is too large', async () => {
      const result = await updateTrip(updateTripEvent({ headers: await authHeader(driver), body: JSON.stringify({ note: 'x'.repeat(3000) }) }), lambdaContext());

      expect(result.statusCode).toBe(413);
      expect(bodyOf<Problem>(result).error).toMatchObject({ code: 'payload_too_large', message: 'Request body is 3011 bytes; the limit is 2048 bytes' });
    });

    it('answers 413 for an oversized base64 body without decoding it first', async () => {
      const encoded = Buffer.from('x'.repeat(10_000)).toString('base64');

      const result = await updateTrip(updateTripEvent({ headers: await authHeader(driver), body: encoded, isBase64Encoded: true }), lambdaContext());

      expect(result.statusCode).toBe(413);
    });

    it('answers 415 when a body is not declared as JSON', async () => {
      const result = await updateTrip(updateTripEvent({ headers: { ...(await authHeader(driver)), 'content-type': 'text/plain' } }), lambdaContext());

      expect(result.statusCode).toBe(415);
      expect(bodyOf<Problem>(result).error.message).toBe('Content-Type must be application/json (UTF-8), got "text/plain"');
    });

    it('accepts a JSON content type with a UTF-8 charset and refuses other charsets', async () => {
      const headers = await authHeader(driver);

      const utf8 = await updateTrip(updateTripEvent({ headers: { ...headers, 'content-type': 'application/json; charset=UTF-8' } }), lambdaContext());
      const latin1 = await updateTrip(updateTripEvent({ headers: { ...headers, 'content-type': 'application/json; charset=iso-8859-1' } }), lambdaContext());

      expect(utf8.statusCode).toBe(200);
      expect(latin1.statusCode).toBe(415);
    });
  });

  describe('auth', () => {
    const adminOnly = httpHandler({ route: 'GET /api/v1/dashboard/summary', auth: 'admin' }, ({ principal }) => ({ role: principal.role }));

    it('answers 401 with a Bearer challenge when the token is missing', async () => {
      const result = await adminOnly(httpEvent(), lambdaContext());

      expect(result.statusCode).toBe(401);
      expect(result.headers?.['www-authenticate']).toBe('Bearer');
      expect(bodyOf<Problem>(result).error.code).toBe('unauthorized');
    });

    it('answers 401 for an expired token', async () => {
      const result = await adminOnly(httpEvent({ headers: await authHeader(admin, new Date(Date.now() - 86_400_000)) }), lambdaContext());

      expect(result.statusCode).toBe(401);
      expect(bodyOf<Problem>(result).error.message).toMatch(/expired/);
    });

    it('answers 403 to a driver on an admin route', async () => {
      const result = await adminOnly(httpEvent({ headers: await authHeader(driver) }), lambdaContext());

      expect(result.statusCode).toBe(403);
      expect(bodyOf<Problem>(result).error.code).toBe('forbidden');
    });

    it("answers 401 to a token whose account is no longer active, before looking at the route's role", async () => {
      vi.mocked(assertUserActive).mockRejectedValueOnce(new UnauthorizedError('The access token belongs to an account that is no longer active'));

      const result = await adminOnly(httpEvent({ headers: await authHeader(driver) }), lambdaContext());

      expect(result.statusCode).toBe(401);
      expect(bodyOf<Problem>(result).error.message).toMatch(/no longer active/);
      expect(assertUserActive).toHaveBeenLastCalledWith(driver);
    });

    it('names the refused account in the log line of a deactivated account\'s 401', async () => {
      vi.mocked(assertUserActive).mockRejectedValueOnce(new UnauthorizedError('The access token belongs to an account that is no longer active'));

      // The access line is at INFO, below the tests' level.
      const level = getLogger().getLevelName();
      getLogger().setLogLevel('INFO');
      try {
        await adminOnly(httpEvent({ headers: { ...(await authHeader(driver)), 'x-correlation-id': 'refused-7' } }), lambdaContext());
      } finally {
        getLogger().setLogLevel(level);
      }

      const completed = logLines.find((line) => line.correlation_id === 'refused-7' && line.message === 'request completed');
      expect(completed).toMatchObject({ status: 401, user_id: 7, role: 'driver' });
    });

    it('lets an admin in', async () => {
      const result = await adminOnly(httpEvent({ headers: await authHeader(admin) }), lambdaContext());

      expect(bodyOf(result)).toEqual({ role: 'admin' });
    });

    it('checks the token before reading the body', async () => {
      const result = await updateTrip(updateTripEvent({ body: 'not json at all' }), lambdaContext());

      expect(result.statusCode).toBe(401);
    });

    it('does not ask public routes for a token', async () => {
      const health = httpHandler({ route: 'GET /health', auth: 'public' }, ({ principal }) => ({ principal: principal ?? null }));

      expect(bodyOf(await health(httpEvent(), lambdaContext()))).toEqual({ principal: null });
    });
  });

  describe('errors', () => {
    it('answers an application error with its status and code', async () => {
      const missing = httpHandler({ route: 'GET /api/v1/trips/{tripId}', auth: 'public' }, () => {
        throw new NotFoundError('Trip 9 does not exist');
      });

      const result = await missing(httpEvent({ headers: { 'x-correlation-id': 'corr-404' } }), lambdaContext());

      expect(result.statusCode).toBe(404);
      expect(bodyOf<Problem>(result)).toEqual({ error: { code: 'not_found', message: 'Trip 9 does not exist', correlation_id: 'corr-404' } });
    });

    it('answers an unknown error with 500 and a generic message, and logs it with its stack', async () => {
      const broken = httpHandler({ route: 'GET /broken', auth: 'public' }, () => {
        throw new Error('connection string postgres://admin:hunter2@db failed');
      });

      const result = await broken(httpEvent({ headers: { 'x-correlation-id': 'corr-500' } }), lambdaContext());

      expect(result.statusCode).toBe(500);
      expect(result.body).not.toMatch(/hunter2|postgres|connection/);
      expect(bodyOf<Problem>(result).error).toMatchObject({ code: 'internal_error', correlation_id: 'corr-500' });
      const logged = logLines.find((line) => line.level === 'ERROR');
      expect(logged).toMatchObject({ correlation_id: 'corr-500', route: 'GET /broken' });
      expect(JSON.stringify(logged)).toMatch(/hunter2/);
      expect((logged?.error as { stack?: string } | undefined)?.stack).toMatch(/http\.test\.ts/);
    });

    it('answers 503 with Retry-After when a dependency is unreachable', async () => {
      const offline = httpHandler({ route: 'GET /offline', auth: 'public' }, () => {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      });

      const result = await offline(httpEvent(), lambdaContext());

      expect(result.statusCode).toBe(503);
      expect(result.headers?.['retry-after']).toBe('1');
      expect(result.body).not.toMatch(/5432/);
    });
  });

  describe('correlation id', () => {
    // The test run logs at ERROR; these tests read INFO lines too.
    let previousLevel: ReturnType<Logger['getLevelName']>;
    beforeEach(() => {
      previousLevel = getLogger().getLevelName();
      getLogger().setLogLevel('INFO');
    });
    afterEach(() => {
      getLogger().setLogLevel(previousLevel);
    });

    const echo = httpHandler({ route: 'GET /echo', auth: 'public' }, async ({ correlationId }) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { fromRequest: correlationId, fromScope: getCorrelationId() };
    });

    it('takes x-correlation-id, then x-request-id, then the Lambda request id', async () => {
      const fromCorrelation = await echo(httpEvent({ headers: { 'x-correlation-id': 'abc-1', 'x-request-id': 'req-2' } }), lambdaContext());
      const fromRequestId = await echo(httpEvent({ headers: { 'X-Request-Id': 'req-2' } }), lambdaContext());
      const fromLambda = await echo(httpEvent({ requestId: 'shared-by-offline' }), lambdaContext('lambda-3'));

      expect(fromCorrelation.headers?.['x-correlation-id']).toBe('abc-1');
      expect(fromRequestId.headers?.['x-correlation-id']).toBe('req-2');
      expect(fromLambda.headers?.['x-correlation-id']).toBe('lambda-3');
    });

    it('ignores a malformed client id and uses the next source', async () => {
      const result = await echo(httpEvent({ headers: { 'x-correlation-id': 'bad id\r\nx-injected: 1' } }), lambdaContext('lambda-4'));

      expect(result.headers?.['x-correlation-id']).toBe('lambda-4');
    });

    it('generates a UUID when no source has one', async () => {
      const result = await echo(httpEvent(), lambdaContext(''));

      expect(result.headers?.['x-correlation-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it('exposes the id to code below the handler, separately for concurrent invocations', async () => {
      const ids = Array.from({ length: 20 }, (_, i) => `concurrent-${i}`);

      const results = await Promise.all(ids.map((id) => echo(httpEvent({ headers: { 'x-correlation-id': id } }), lambdaContext())));

      expect(results.map((r) => bodyOf(r))).toEqual(ids.map((id) => ({ fromRequest: id, fromScope: id })));
    });

    it('puts its own correlation id, route and request id on every log line of 20 concurrent invocations', async () => {
      // Each invocation logs before and after yielding, so the invocations interleave.
      const chatty = httpHandler({ route: 'GET /chatty', auth: 'public' }, async ({ correlationId }) => {
        getLogger().info('loading', { expected: correlationId });
        await new Promise((resolve) => setTimeout(resolve, 1 + (correlationId.length % 5)));
        getLogger().warn('loaded', { expected: correlationId });
        return null;
      });
      const ids = Array.from({ length: 20 }, (_, i) => `parallel-${i}`);

      await Promise.all(ids.map((id, i) => chatty(httpEvent({ headers: { 'x-correlation-id': id } }), lambdaContext(`lambda-${i}`))));

      const lines = logLines.filter((line) => line.route === 'GET /chatty' || typeof line.expected === 'string');
      // Per invocation: "loading", "loaded" and the access line.
      expect(lines).toHaveLength(60);
      for (const [i, id] of ids.entries()) {
        const own = lines.filter((line) => line.correlation_id === id);
        expect(own.map((line) => line.message).sort()).toEqual(['loaded', 'loading', 'request completed']);
        expect(own.every((line) => line.route === 'GET /chatty' && line.function_request_id === `lambda-${i}`)).toBe(true);
        expect(own.filter((line) => line.expected !== undefined).every((line) => line.expected === id)).toBe(true);
      }
    });

    it('leaves no correlation id or request keys behind for log lines after the invocation', async () => {
      await echo(httpEvent({ headers: { 'x-correlation-id': 'done-1' } }), lambdaContext());

      getLogger().warn('between invocations');

      expect(getCorrelationId()).toBeUndefined();
      const after = logLines.find((line) => line.message === 'between invocations');
      expect(after).toBeDefined();
      expect(after).not.toHaveProperty('correlation_id');
      expect(after).not.toHaveProperty('route');
      expect(after).not.toHaveProperty('function_request_id');
    });

    it('adds the signed-in user to the log lines of that request only', async () => {
      const whoami = httpHandler({ route: 'GET /whoami', auth: 'driver' }, () => {
        getLogger().warn('inside');
        return null;
      });

      await Promise.all([
        whoami(httpEvent({ headers: { ...(await authHeader(driver)), 'x-correlation-id': 'user-7' } }), lambdaContext()),
        whoami(httpEvent({ headers: { ...(await authHeader(admin)), 'x-correlation-id': 'user-1' } }), lambdaContext()),
      ]);

      const inside = logLines.filter((line) => line.message === 'inside');
      expect(inside.find((line) => line.correlation_id === 'user-7')).toMatchObject({ user_id: 7, role: 'driver' });
      expect(inside.find((line) => line.correlation_id === 'user-1')).toMatchObject({ user_id: 1, role: 'admin' });
    });
  });

  describe('metrics', () => {
    it('records request durations by route template and status', async () => {
      const headers = await authHeader(driver);
      await updateTrip(updateTripEvent({ headers }), lambdaContext());
      await updateTrip(updateTripEvent({ headers, query: { page_size: '0' } }), lambdaContext());
      await updateTrip(updateTripEvent({ headers, query: { page_size: '-1' } }), lambdaContext());

      const text = (await renderPrometheus());

      expect(text).toContain('http_request_duration_seconds_count{route="PUT /api/v1/drivers/{driverId}/trips/{tripId}",status="200"} 1\n');
      expect(text).toContain('http_request_duration_seconds_count{route="PUT /api/v1/drivers/{driverId}/trips/{tripId}",status="400"} 2\n');
    });
  });
});
