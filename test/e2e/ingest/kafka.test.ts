import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/ingest/handler.js';
import { closeDb, type Sql } from '../../../lib/db/index.js';
import { EventSourceBridge } from '../../../lib/ingest/bridge.js';
import { produceTelematics, type ProducerProgress } from '../../../lib/ingest/producer.js';
import { createKafka } from '../../../lib/kafka/index.js';
import { startOfUtcDay, type DatasetShape } from '../../../lib/seed/index.js';
import { readIngestSettings } from '../../../scripts/lib/ingest-settings.js';
import { startBridgeProcess } from '../../helpers/bridge.js';
import { ensureDataset, testSql, TEST_DATABASE_URL } from '../../helpers/db.js';
import { expectExactlyIngested as expectIngested, waitFor } from '../../helpers/ingest.js';
import { lambdaContext } from '../../helpers/lambda.js';
import { freePort } from '../../helpers/net.js';

/**
 * Producer -> real Kafka -> the bridge -> the ingest function -> PostgreSQL, with duplicates and
 * poison in the stream, and with the bridge killed mid-stream or Redis absent: every unique valid
 * event stored exactly once, every poison record a dead letter, trips equal to their events, lag 0.
 */

// The dataset the EXPLAIN tests use: its drivers are the producer's drivers.
const DATASET: DatasetShape = { drivers: 1000, days: 7, seed: 42, end: startOfUtcDay(), sampleIntervalS: 15 };
const settings = readIngestSettings();
/** A run seed of its own per run: the same seed would produce the same (already stored) events. */
const freshSeed = () => Math.floor(Math.random() * 2 ** 31);

describe('ingestion end to end through Kafka and the bridge', () => {
  let sql: Sql;
  const kafka = createKafka({ clientId: 'ingest-e2e', retries: 10 });
  const admin = kafka.admin();

  beforeAll(async () => {
    await ensureDataset(DATASET);
    sql = testSql();
    await admin.connect();
  }, 300_000);

  afterAll(async () => {
    await admin.disconnect();
    await sql?.end();
    await closeDb();
  });

  const names = (label: string) => {
    const id = `${label}-${randomBytes(3).toString('hex')}`;
    return { topic: `test.ingest.${id}`, group: `test-ingest-${id}`, failures: `test.ingest.${id}.failed` };
  };

  async function createTopic(topic: string): Promise<void> {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 4 }] });
  }

  const expectExactlyIngested = (run: { topic: string; group: string }, produced: ProducerProgress, since: Date) =>
    expectIngested({ sql, admin }, run, produced, since);

  it('stores exactly the unique valid events of a stream with 5 % duplicates and 1 % poison, dead-letters the poison with reasons, and the lag reaches 0', async () => {
    const run = names('stream');
    await createTopic(run.topic);
    const since = new Date();
    const bridge = new EventSourceBridge({
      kafka,
      topic: run.topic,
      groupId: run.group,
      batchSize: settings.batchSize,
      batchingWindowMs: 200,
      fromBeginning: true,
      maximumRetryAttempts: settings.maximumRetryAttempts,
      bisectBatchOnFunctionError: settings.bisectBatchOnFunctionError,
      reportBatchItemFailures: true,
      onFailureTopic: run.failures,
      bootstrapServers: ['127.0.0.1:9092'],
      invoke: (event) => handler(event, lambdaContext()),
      partitions: 4,
    });
    await bridge.start();
    try {
      const produced = await produceTelematics({
        kafka, topic: run.topic, rate: 0, durationS: 0, maxEvents: 20_000, drivers: 200, datasetSeed: DATASET.seed, runSeed: freshSeed(),
        duplicateShare: 0.05, poisonShare: 0.01,
      });
      expect(produced.duplicates).toBeGreaterThan(500);
      expect(produced.poison).toBeGreaterThan(100);
      await expectExactlyIngested(run, produced, since);
      const reasons = await sql<{ error_code: string }[]>`SELECT DISTINCT error_code FROM dead_letters WHERE topic = ${run.topic} ORDER BY 1`;
      expect(reasons.map((r) => r.error_code)).toEqual(['not_json', 'schema_violation']);
    } finally {
      await bridge.stop();
    }
  }, 180_000);

  it('loses nothing and stores nothing twice when the bridge is SIGKILLed mid-stream and restarted, with Redis down for the whole run', async () => {
    const run = names('sigkill');
    await createTopic(run.topic);
    const since = new Date();
    // Nothing listens on this port: every cache invalidation fails, as with Redis down.
    const env = {
      STAGE: 'test',
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      INGEST_TOPIC: run.topic,
      INGEST_GROUP_ID: run.group,
      INGEST_FAILURE_TOPIC: run.failures,
    };
    const producing = produceTelematics({
      kafka, topic: run.topic, rate: 4_000, durationS: 0, maxEvents: 16_000, drivers: 200, datasetSeed: DATASET.seed, runSeed: freshSeed(),
      duplicateShare: 0.05, poisonShare: 0.01,
    });
    const first = startBridgeProcess(env);
    // Killed once it has committed some batches, with more arriving.
    await waitFor('the first bridge to commit', async () => ((await admin.fetchOffsets({ groupId: run.group, topics: [run.topic] }))[0]?.partitions.some((p) => Number(p.offset) > 0) ? true : undefined), 90_000);
    await first.stop('SIGKILL');
    const second = startBridgeProcess(env);
    try {
      const produced = await producing;
      await expectExactlyIngested(run, produced, since);
    } finally {
      await second.stop('SIGTERM');
    }
  }, 240_000);
});
