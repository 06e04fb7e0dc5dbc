import { counter, histogram } from '../metrics/index.js';

/** The ingest path's figures, labelled by transport (`kafka`, `http`). */

export const ingestRecords = counter({
  name: 'ingest_records_total',
  help: 'Records received by the ingest path, by source and outcome (stored, duplicate, dead_lettered, failed).',
  labelNames: ['source', 'outcome'],
});

export const ingestBatchDuration = histogram({
  name: 'ingest_batch_duration_seconds',
  help: 'Time to validate and write one batch, by source.',
  labelNames: ['source'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

export const ingestRecordDelay = histogram({
  name: 'ingest_record_delay_seconds',
  help: 'From a Kafka record timestamp to its batch being stored: the end-to-end delay of ingestion.',
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
});
