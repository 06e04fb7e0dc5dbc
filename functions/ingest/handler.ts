import type { MSKEvent, SelfManagedKafkaEvent } from 'aws-lambda';
import { NotImplementedError } from '../../lib/errors/index.js';
import { batchHandler } from '../../lib/middleware/index.js';

/**
 * Kafka ingestion (SPEC 6), invoked by the self-managed Kafka and MSK event sources with a batch of
 * records. Until it lands it fails the batch: the event source keeps the offsets, nothing is lost.
 */
export const handler = batchHandler('ingest', (_event: MSKEvent | SelfManagedKafkaEvent) =>
  Promise.reject(new NotImplementedError('ingest is not implemented yet')),
);
