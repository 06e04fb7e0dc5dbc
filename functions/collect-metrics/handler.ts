import { z } from 'zod';
import { ValidationError } from '../../lib/errors/index.js';
import { collectAndPublish, type CollectReport } from '../../lib/metrics/collect.js';
import { batchHandler } from '../../lib/middleware/index.js';

/**
 * Fleet-wide gauges every minute (SPEC 7): business figures, database and Redis, cache hit ratios,
 * Kafka consumer lag of the ingestion group. Stored for GET /metrics and emitted as EMF. A direct
 * invocation may set the clock: `{"now": "2027-03-01T00:00:00Z"}`.
 */
const CollectEvent = z.looseObject({ now: z.iso.datetime({ offset: true }).optional() });

export const handler = batchHandler('collect-metrics', async (event: unknown): Promise<Omit<CollectReport, 'families'> & { gauges: number }> => {
  const parsed = CollectEvent.safeParse(event ?? {});
  if (!parsed.success) throw new ValidationError('now: expected an ISO-8601 date-time such as 2027-03-01T00:00:00Z');
  const { families, ...report } = await collectAndPublish(parsed.data.now === undefined ? {} : { now: new Date(parsed.data.now) });
  return { ...report, gauges: families.length };
});
