import type { ScheduledEvent } from 'aws-lambda';
import { NotImplementedError } from '../../lib/errors/index.js';
import { batchHandler } from '../../lib/middleware/index.js';

/** Business, pool, cache and consumer-lag metrics every minute (SPEC 7). */
export const handler = batchHandler('collect-metrics', (_event: ScheduledEvent) =>
  Promise.reject(new NotImplementedError('collect-metrics is not implemented yet')),
);
