import { ingestKafkaEvent, type KafkaBatchResponse, type KafkaEvent } from '../../lib/ingest/index.js';
import { batchHandler } from '../../lib/middleware/index.js';

/**
 * Kafka ingestion (SPEC 6), invoked by the self-managed Kafka and MSK event sources (and locally by
 * the bridge, `npm run bridge`) with a batch of records. Answers with the records to redeliver
 * (`functionResponseTypes: [ReportBatchItemFailures]` in serverless.yml); throws only on a bug.
 */
export const handler = batchHandler('ingest', async (event: KafkaEvent): Promise<KafkaBatchResponse> => {
  const { batchItemFailures } = await ingestKafkaEvent(event);
  return { batchItemFailures };
});
