import { text } from '../../lib/http/index.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../../lib/metrics/index.js';
import { httpHandler } from '../../lib/middleware/index.js';

/**
 * GET /metrics: this instance's figures in the Prometheus text exposition format. Admins only:
 * route names, cache names and load figures are operational detail, not for the public. A
 * Prometheus scraper authenticates like any client, with an admin token in its scrape config
 * (`authorization: { type: Bearer, credentials_file: ... }`).
 */
export const handler = httpHandler({ route: 'GET /metrics', auth: 'admin' }, () =>
  Promise.resolve(text(renderPrometheus(), PROMETHEUS_CONTENT_TYPE)),
);
