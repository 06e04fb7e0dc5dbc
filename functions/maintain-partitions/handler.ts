import { batchHandler } from '../../lib/middleware/index.js';
import { maintainPartitions, type MaintenanceReport } from '../../lib/partitions/index.js';
import { parseInput } from '../../lib/validation/index.js';
import { clockEvent } from '../../lib/validation/wire.js';

/**
 * Daily partition maintenance (SPEC 7): months ahead, default-partition check, retention (archive
 * to S3, then drop). A direct invocation may set the clock: `{"now": "2027-03-01T00:00:00Z"}`.
 */
export const handler = batchHandler('maintain-partitions', async (event: unknown): Promise<MaintenanceReport> => {
  const { now } = parseInput(clockEvent, event ?? {}, 'event');
  return maintainPartitions(now === undefined ? {} : { now: new Date(now) });
});
