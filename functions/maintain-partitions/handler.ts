import type { ScheduledEvent } from 'aws-lambda';
import { NotImplementedError } from '../../lib/errors/index.js';
import { batchHandler } from '../../lib/middleware/index.js';

/** Daily partition maintenance: months ahead, retention (archive then drop), default-partition check (SPEC 7). */
export const handler = batchHandler('maintain-partitions', (_event: ScheduledEvent) =>
  Promise.reject(new NotImplementedError('maintain-partitions is not implemented yet')),
);
