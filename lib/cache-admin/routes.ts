import { defineRoute } from '../router/index.js';
import { cacheStats, invalidateBody, invalidateResult } from './schemas.js';

/** The cache administration routes (SPEC 4, 5), served by functions/cache-admin and documented by lib/openapi. */
export const cacheAdminApi = {
  stats: defineRoute({
    method: 'GET', path: '/api/v1/admin/cache/stats', operationId: 'getCacheStats', tag: 'cache-admin', auth: 'admin',
    summary: 'Hit and miss counters per cache, circuit breaker and invalidation bus state',
    response: { status: 200, description: 'Cache statistics', schema: cacheStats },
  }),
  invalidate: defineRoute({
    method: 'POST', path: '/api/v1/admin/cache/invalidate', operationId: 'invalidateCache', tag: 'cache-admin', auth: 'admin',
    summary: 'Invalidate one key of a cache, or a group across every cache, in every instance (never with KEYS)',
    request: { body: invalidateBody },
    response: { status: 200, description: 'What was invalidated', schema: invalidateResult },
  }),
};
