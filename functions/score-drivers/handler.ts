import type { ScheduledEvent } from 'aws-lambda';
import { NotImplementedError } from '../../lib/errors/index.js';
import { batchHandler } from '../../lib/middleware/index.js';

/** Hourly (and on-demand) batch risk scoring with onnxruntime-node, then premiums and cache warming (SPEC 7). */
export const handler = batchHandler('score-drivers', (_event: ScheduledEvent) =>
  Promise.reject(new NotImplementedError('score-drivers is not implemented yet')),
);
