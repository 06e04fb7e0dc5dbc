import { collectAndPublish, type CollectReport } from '../../lib/metrics/collect.js';
import { batchHandler } from '../../lib/middleware/index.js';
import { parseInput } from '../../lib/validation/index.js';
import { clockEvent } from '../../lib/validation/wire.js';

/**
 * Fleet-wide gauges every minute (SPEC 7): business figures, database and Redis, cache hit ratios,
 * Kafka consumer lag of the ingestion group. Stored for GET /metrics and emitted as EMF. A direct
 * invocation may set the clock: `{"now": "2027-03-01T00:00:00Z"}`.
 */
export const handler = batchHandler('collect-metrics', async (event: unknown): Promise<Omit<CollectReport, 'families'> & { gauges: number }> => {
  const { now } = parseInput(clockEvent, event ?? {}, 'event');
  const { families, ...report } = await collectAndPublish(now === undefined ? {} : { now: new Date(now) });
  return { ...report, gauges: families.length };
});
