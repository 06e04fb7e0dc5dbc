import { checkHealth } from '../../lib/health/index.js';
import { healthApi } from '../../lib/health/routes.js';
import { json } from '../../lib/http/index.js';
import { routeByKey, serveRoute } from '../../lib/router/index.js';

/** GET /health: database, Redis and Kafka reachability with latencies; 503 unless all are up. */
export const handler = routeByKey({
  ...serveRoute(healthApi.health, async () => {
    const report = await checkHealth();
    return json(report, report.status === 'ok' ? 200 : 503);
  }),
});
