import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../../functions/metrics/handler.js';
import { issueToken } from '../../../lib/auth/index.js';
import { PROMETHEUS_CONTENT_TYPE } from '../../../lib/metrics/index.js';
import { httpEvent, lambdaContext } from '../../helpers/lambda.js';

// Unit tests run without a database: every account counts as active (the real check is the HTTP stack's integration test).
vi.mock(import('../../../lib/auth/cache.js'), async (importOriginal) => ({ ...(await importOriginal()), assertUserActive: vi.fn(() => Promise.resolve()) }));

describe('GET /metrics', () => {
  beforeEach(() => {
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  const scrape = (token?: string) => handler(httpEvent({ routeKey: 'GET /metrics', path: '/metrics', headers: token ? { authorization: `Bearer ${token}` } : {} }), lambdaContext());

  it('asks for a bearer token', async () => {
    const result = await scrape();

    expect(result.statusCode).toBe(401);
    expect(result.headers?.['www-authenticate']).toBe('Bearer');
  });

  it('refuses a driver', async () => {
    expect((await scrape((await issueToken({ userId: 2, role: 'driver', driverId: 2 })).token)).statusCode).toBe(403);
  });

  it('answers an admin with the Prometheus text format', async () => {
    const result = await scrape((await issueToken({ userId: 1, role: 'admin', driverId: null })).token);

    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(result.body).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
  });
});
