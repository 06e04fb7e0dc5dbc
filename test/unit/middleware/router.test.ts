import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderPrometheus, resetMetrics } from '../../../lib/metrics/index.js';
import { httpHandler } from '../../../lib/middleware/index.js';
import { z } from 'zod';
import { defineRoute, routeByKey, serveRoute } from '../../../lib/router/index.js';
import { bodyOf, httpEvent, lambdaContext } from '../../helpers/lambda.js';

describe('routeByKey', () => {
  beforeEach(() => {
    resetMetrics();
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('dispatches on the route key to the handler built from that key, built once', async () => {
    const build = vi.fn((route: string) => httpHandler({ route, auth: 'public' }, () => ({ served: route })));
    const handler = routeByKey({ 'GET /a': build, 'GET /b/{id}': build });

    const a = await handler(httpEvent({ routeKey: 'GET /a' }), lambdaContext());
    const b = await handler(httpEvent({ routeKey: 'GET /b/{id}', path: '/b/7' }), lambdaContext());
    await handler(httpEvent({ routeKey: 'GET /a' }), lambdaContext());

    expect([bodyOf(a), bodyOf(b)]).toEqual([{ served: 'GET /a' }, { served: 'GET /b/{id}' }]);
    expect(build).toHaveBeenCalledTimes(2);
    expect((await renderPrometheus())).toContain('http_request_duration_seconds_count{route="GET /a",status="200"} 2\n');
  });

  it('serves a route spec with its access level and request schema', async () => {
    const spec = defineRoute({
      method: 'GET', path: '/things/{id}', operationId: 'getThing', tag: 'things', auth: 'public', summary: 'A thing',
      request: { path: z.strictObject({ id: z.string().regex(/^\d+$/) }) },
      response: { status: 200, description: 'The thing', schema: z.object({ id: z.string() }) },
    });
    const handler = routeByKey(serveRoute(spec, ({ path }) => ({ id: path.id })));

    const ok = await handler(httpEvent({ routeKey: 'GET /things/{id}', pathParameters: { id: '7' } }), lambdaContext());
    const bad = await handler(httpEvent({ routeKey: 'GET /things/{id}', pathParameters: { id: 'x' } }), lambdaContext());

    expect([ok.statusCode, bodyOf(ok)]).toEqual([200, { id: '7' }]);
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad)).toMatchObject({ error: { fields: [{ field: 'path.id' }] } });
  });

  it('answers 404 in the product error shape for a route key the table does not list', async () => {
    const handler = routeByKey({ 'GET /a': (route) => httpHandler({ route, auth: 'public' }, () => ({})) });

    const result = await handler(httpEvent({ routeKey: 'DELETE /a' }), lambdaContext());

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'not_found', message: 'No handler for DELETE /a' } });
  });
});
