import type { ScheduledEvent } from 'aws-lambda';
import { NotImplementedError } from '../../lib/errors/index.js';

/** Daily partition maintenance: months ahead, retention (archive then drop), default-partition check (SPEC 7). */
export function handler(_event: ScheduledEvent): Promise<void> {
  return Promise.reject(new NotImplementedError('maintain-partitions is not implemented yet'));
}
