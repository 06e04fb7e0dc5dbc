import { checkHealth } from '../../lib/health/index.js';
import { json } from '../../lib/http/index.js';
import { httpHandler } from '../../lib/middleware/index.js';

/** GET /health: database, Redis and Kafka reachability with latencies; 503 unless all are up. */
export const handler = httpHandler({ route: 'GET /health', auth: 'public' }, async () => {
  const report = await checkHealth();
  return json(report, report.status === 'ok' ? 200 : 503);
});
