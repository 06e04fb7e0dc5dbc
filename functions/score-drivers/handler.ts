import type { ScheduledEvent } from 'aws-lambda';
import { NotImplementedError } from '../../lib/errors/index.js';

/** Hourly (and on-demand) batch risk scoring with onnxruntime-node, then premiums and cache warming (SPEC 7). */
export function handler(_event: ScheduledEvent): Promise<void> {
  return Promise.reject(new NotImplementedError('score-drivers is not implemented yet'));
}
