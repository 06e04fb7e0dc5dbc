import { z } from 'zod';
import { ValidationError } from '../../lib/errors/index.js';
import { batchHandler } from '../../lib/middleware/index.js';
import { maintainPartitions, type MaintenanceReport } from '../../lib/partitions/index.js';

/**
 * Daily partition maintenance (SPEC 7): months ahead, default-partition check, retention (archive
 * to S3, then drop). A direct invocation may set the clock: `{"now": "2027-03-01T00:00:00Z"}`.
 */
const MaintenanceEvent = z.looseObject({ now: z.iso.datetime({ offset: true }).optional() });

export const handler = batchHandler('maintain-partitions', async (event: unknown): Promise<MaintenanceReport> => {
  const parsed = MaintenanceEvent.safeParse(event ?? {});
  if (!parsed.success) throw new ValidationError('now: expected an ISO-8601 date-time such as 2027-03-01T00:00:00Z');
  return maintainPartitions(parsed.data.now === undefined ? {} : { now: new Date(parsed.data.now) });
});
