import { notImplemented, routeByKey } from '../../lib/router/index.js';

/** Cache administration (SPEC 4, 5): statistics, and invalidation by key or by group. */
export const handler = routeByKey({
  'GET /api/v1/admin/cache/stats': notImplemented,
  'POST /api/v1/admin/cache/invalidate': notImplemented,
});
