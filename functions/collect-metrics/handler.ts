import type { ScheduledEvent } from 'aws-lambda';
import { NotImplementedError } from '../../lib/errors/index.js';

/** Business, pool, cache and consumer-lag metrics every minute (SPEC 7). */
export function handler(_event: ScheduledEvent): Promise<void> {
  return Promise.reject(new NotImplementedError('collect-metrics is not implemented yet'));
}
