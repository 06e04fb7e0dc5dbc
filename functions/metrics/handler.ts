import { text } from '../../lib/http/index.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../../lib/metrics/index.js';
import { httpHandler } from '../../lib/middleware/index.js';

/** GET /metrics: this instance's figures in the Prometheus text exposition format. */
export const handler = httpHandler({ route: 'GET /metrics', auth: 'public' }, () =>
  Promise.resolve(text(renderPrometheus(), PROMETHEUS_CONTENT_TYPE)),
);
