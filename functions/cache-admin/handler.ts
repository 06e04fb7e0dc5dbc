import { cacheAdminApi, cacheStatistics, invalidate } from '../../lib/cache-admin/index.js';
import { routeByKey, serveRoute } from '../../lib/router/index.js';

/** Cache administration (SPEC 4, 5): statistics, and invalidation by key or by group. */
export const handler = routeByKey({
  ...serveRoute(cacheAdminApi.stats, () => cacheStatistics()),
  ...serveRoute(cacheAdminApi.invalidate, ({ body }) => invalidate(body)),
});
