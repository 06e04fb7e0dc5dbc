import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderPrometheus, resetMetrics } from '../../../lib/metrics/index.js';
import { httpHandler } from '../../../lib/middleware/index.js';
import { notImplemented, routeByKey } from '../../../lib/router/index.js';
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

  it('answers 501 naming the route for a route that is not implemented yet', async () => {
    const handler = routeByKey({ 'GET /api/v1/later': notImplemented });

    const result = await handler(httpEvent({ routeKey: 'GET /api/v1/later' }), lambdaContext());

    expect(result.statusCode).toBe(501);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'not_implemented', message: 'GET /api/v1/later is not implemented yet' } });
    expect((await renderPrometheus())).toContain('http_request_duration_seconds_count{route="GET /api/v1/later",status="501"} 1\n');
  });

  it('answers 404 in the product error shape for a route key the table does not list', async () => {
    const handler = routeByKey({ 'GET /a': notImplemented });

    const result = await handler(httpEvent({ routeKey: 'DELETE /a' }), lambdaContext());

    expect(result.statusCode).toBe(404);
    expect(bodyOf(result)).toMatchObject({ error: { code: 'not_found', message: 'No handler for DELETE /a' } });
  });
});
