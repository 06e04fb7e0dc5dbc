import type { MSKEvent, SelfManagedKafkaEvent } from 'aws-lambda';
import { getLogger } from '../logger/index.js';
import type { LambdaKafkaEvent, LambdaKafkaRecord } from './lambda-event.js';
import { ingestBatchDuration, ingestRecordDelay, ingestRecords } from './metrics.js';
import type { RawRecord, RejectedRecord, ValidRecord } from './records.js';
import { checkOwnership, writeBatch } from './store.js';
import { isTransient } from './transient.js';
import { addStageTime } from './profile.js';
import { checkKafkaRecord } from './validate.js';

/**
 * The Kafka side of the ingest path: a Lambda Kafka event (MSK or self-managed; records grouped
 * under "topic-partition" keys, base64 key and value) in, a partial batch response out.
 *
 * The batch is written in one transaction. If that fails, each partition is retried on its own,
 * so one partition's trouble does not hold back the others; a partition that fails for a reason
 * that will not pass (PostgreSQL rejecting some data) is retried record by record, and the record
 * PostgreSQL rejects goes to the dead letters: a poison record never blocks its partition. Records
 * that failed transiently (database down, lock or statement timeout) are reported in
 * `batchItemFailures`, from the first failed offset of their partition on, for redelivery.
 */

/** The platform's event; @types/aws-lambda's shapes are accepted as well. */
export type KafkaEvent = LambdaKafkaEvent | MSKEvent | SelfManagedKafkaEvent;

export interface BatchItemFailure {
  itemIdentifier: { partition: string; offset: number };
}

export interface KafkaBatchResponse {
  batchItemFailures: BatchItemFailure[];
}

export interface KafkaBatchSummary {
  records: number;
  stored: number;
  duplicates: number;
  deadLettered: number;
  failed: number;
}

interface Checked {
  raw: RawRecord;
  valid?: ValidRecord;
  rejected?: RejectedRecord;
}

interface PartitionBatch {
  /** The event's "topic-partition" key. */
  key: string;
  records: Checked[];
}

function rawOf(record: LambdaKafkaRecord): RawRecord {
  return {
    origin: { source: 'kafka', topic: record.topic, partition: record.partition, offset: Number(record.offset), timestampMs: record.timestamp },
    key: record.key ? Buffer.from(record.key, 'base64') : null,
    value: record.value ? Buffer.from(record.value, 'base64') : null,
    headers: record.headers,
  };
}

function decode(event: KafkaEvent, nowMs: number): PartitionBatch[] {
  return Object.entries((event.records ?? {}) as Record<string, LambdaKafkaRecord[]>).map(([key, records]) => ({
    key,
    records: [...records]
      .sort((a, b) => Number(a.offset) - Number(b.offset))
      .map((record) => {
        const raw = rawOf(record);
        const checked = checkKafkaRecord(raw, nowMs);
        return checked.ok ? { raw, valid: checked.record } : { raw, rejected: checked.record };
      }),
  }));
}

const offsetOf = (raw: RawRecord) => (raw.origin.source === 'kafka' ? raw.origin.offset : -1);

/** Writes `records` (valid ones checked against the database first) as one unit. */
async function writeRecords(records: readonly Checked[], summary: KafkaBatchSummary): Promise<void> {
  const ownership = await checkOwnership(records.flatMap((r) => (r.valid ? [r.valid] : [])));
  const rejected = [...records.flatMap((r) => (r.rejected ? [r.rejected] : [])), ...ownership.rejected];
  const result = await writeBatch(ownership.valid, rejected);
  summary.stored += result.stored;
  summary.duplicates += result.duplicates;
  summary.deadLettered += rejected.length;
}

/** One partition's records, one by one from the first; returns the records left unwritten by a transient failure. */
async function writeOneByOne(batch: PartitionBatch, summary: KafkaBatchSummary): Promise<Checked[]> {
  for (const [index, record] of batch.records.entries()) {
    try {
      await writeRecords([record], summary);
    } catch (error) {
      if (isTransient(error)) return batch.records.slice(index);
      getLogger().warn('the database rejected a record; it goes to the dead letters', { partition: batch.key, offset: offsetOf(record.raw), error });
      const reason = `the database rejected it: ${(error as Error).message}`;
      try {
        await writeRecords([{ raw: record.raw, rejected: { raw: record.raw, code: 'rejected_by_database', reason } }], summary);
      } catch (deadLetterError) {
        getLogger().error('storing a dead letter failed', { partition: batch.key, offset: offsetOf(record.raw), error: deadLetterError });
        return batch.records.slice(index);
      }
    }
  }
  return [];
}

async function writePartition(batch: PartitionBatch, summary: KafkaBatchSummary): Promise<Checked[]> {
  try {
    await writeRecords(batch.records, summary);
    return [];
  } catch (error) {
    if (isTransient(error)) {
      getLogger().warn('partition batch failed transiently; reported for redelivery', { partition: batch.key, error });
      return batch.records;
    }
    return writeOneByOne(batch, summary);
  }
}

function offsetRanges(batches: readonly PartitionBatch[]): Record<string, string> {
  const ranges: Record<string, string> = {};
  for (const batch of batches) {
    const first = batch.records[0];
    const last = batch.records[batch.records.length - 1];
    if (first && last) ranges[batch.key] = `${offsetOf(first.raw)}-${offsetOf(last.raw)}`;
  }
  return ranges;
}

/** Ingests one Lambda Kafka event; the response names the records to redeliver. */
export async function ingestKafkaEvent(event: KafkaEvent): Promise<KafkaBatchResponse & { summary: KafkaBatchSummary }> {
  const started = performance.now();
  const batches = decode(event, Date.now());
  addStageTime('decode_validate', started);
  const all = batches.flatMap((b) => b.records);
  const summary: KafkaBatchSummary = { records: all.length, stored: 0, duplicates: 0, deadLettered: 0, failed: 0 };
  const failures: BatchItemFailure[] = [];
  if (all.length > 0) {
    try {
      await writeRecords(all, summary);
    } catch (error) {
      getLogger().warn('batch failed as a whole; writing partition by partition', { error });
      for (const batch of batches) {
        for (const failed of await writePartition(batch, summary)) {
          failures.push({ itemIdentifier: { partition: batch.key, offset: offsetOf(failed.raw) } });
        }
      }
    }
  }
  summary.failed = failures.length;

  const doneMs = Date.now();
  ingestRecords.inc({ source: 'kafka', outcome: 'stored' }, summary.stored);
  ingestRecords.inc({ source: 'kafka', outcome: 'duplicate' }, summary.duplicates);
  ingestRecords.inc({ source: 'kafka', outcome: 'dead_lettered' }, summary.deadLettered);
  ingestRecords.inc({ source: 'kafka', outcome: 'failed' }, summary.failed);
  ingestBatchDuration.observe({ source: 'kafka' }, (performance.now() - started) / 1000);
  if (failures.length === 0) {
    for (const record of all) {
      if (record.raw.origin.source === 'kafka') ingestRecordDelay.observe(Math.max(0, doneMs - record.raw.origin.timestampMs) / 1000);
    }
  }
  getLogger().info('kafka batch ingested', { ...summary, offsets: offsetRanges(batches) });
  return { batchItemFailures: failures, summary };
}
