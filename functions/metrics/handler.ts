import { text } from '../../lib/http/index.js';
import { PROMETHEUS_CONTENT_TYPE } from '../../lib/metrics/index.js';
import { renderFleetMetrics } from '../../lib/metrics/fleet.js';
import { metricsApi } from '../../lib/metrics/routes.js';
import { routeByKey, serveRoute } from '../../lib/router/index.js';

/**
 * GET /metrics: the fleet's figures in the Prometheus text exposition format, the same whichever
 * instance answers (lib/metrics/fleet.ts). Admins only: route names, cache names and load figures
 * are operational detail, not for the public. A Prometheus scraper authenticates like any client,
 * with an admin token in its scrape config (`authorization: { type: Bearer, credentials_file: ... }`).
 */
export const handler = routeByKey({
  ...serveRoute(metricsApi.metrics, async () => text(await renderFleetMetrics(), PROMETHEUS_CONTENT_TYPE)),
});
