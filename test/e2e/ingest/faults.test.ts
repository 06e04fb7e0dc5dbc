import { randomBytes } from 'node:crypto';
import { describe, it } from 'vitest';
import { createSqlClient, dbClientOptions, type Sql } from '../../../lib/db/index.js';
import { migrate } from '../../../lib/db/migrate.js';
import { produceTelematics } from '../../../lib/ingest/producer.js';
import { createKafka } from '../../../lib/kafka/index.js';
import { seedDatabase, startOfUtcDay, type DatasetShape } from '../../../lib/seed/index.js';
import { startBridgeProcess, type BridgeProcess } from '../../helpers/bridge.js';
import { ensureDataset, testSql, TEST_DATABASE_URL } from '../../helpers/db.js';
import { expectExactlyIngested, waitFor } from '../../helpers/ingest.js';
import { PrivateKafkaBroker } from '../../helpers/kafka.js';
import { PrivatePostgresServer } from '../../helpers/postgres.js';
import { uniquePrefix } from '../../helpers/redis.js';

/**
 * The stream survives its infrastructure restarting under it: the Kafka broker, then PostgreSQL,
 * each restarted while the bridge (a process of its own, as `npm run bridge`) is ingesting, with
 * duplicates and poison in the stream. Each restarts a private server of its own; the shared ones
 * are never touched. Counts are checked against what the producer got acknowledged.
 */

const DRIVERS = 200;
// The dataset the other ingest tests use (its drivers are the producer's drivers).
const DATASET: DatasetShape = { drivers: 1000, days: 7, seed: 42, end: startOfUtcDay(), sampleIntervalS: 15 };
const freshSeed = () => Math.floor(Math.random() * 2 ** 31);
const names = (label: string) => {
  const id = `${label}-${randomBytes(3).toString('hex')}`;
  return { topic: `test.ingest.${id}`, group: `test-ingest-${id}`, failures: `test.ingest.${id}.failed` };
};

/** Resolves once the group has committed an offset past 0 on some partition: the bridge is mid-stream. */
async function firstCommit(admin: ReturnType<ReturnType<typeof createKafka>['admin']>, run: { topic: string; group: string }): Promise<void> {
  await waitFor(
    'the bridge to commit a first batch',
    async () => ((await admin.fetchOffsets({ groupId: run.group, topics: [run.topic] }))[0]?.partitions.some((p) => Number(p.offset) > 0) ? true : undefined),
    90_000,
  );
}

describe('ingestion through restarts of its infrastructure', () => {
  it('loses nothing and stores nothing twice when the Kafka broker restarts mid-stream', async () => {
    await ensureDataset(DATASET);
    const broker = await PrivateKafkaBroker.start();
    const kafka = createKafka({ clientId: 'ingest-broker-restart', brokers: [broker.brokers], retries: 10 });
    const admin = kafka.admin();
    const sql = testSql();
    let bridge: BridgeProcess | undefined;
    try {
      await admin.connect();
      const run = names('broker');
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: run.topic, numPartitions: 4 }] });
      const since = new Date();
      const stream = { kafka, topic: run.topic, rate: 0, durationS: 0, drivers: DRIVERS, datasetSeed: DATASET.seed, duplicateShare: 0.05, poisonShare: 0.01 };
      const before = await produceTelematics({ ...stream, maxEvents: 8_000, runSeed: freshSeed() });
      bridge = startBridgeProcess({
        DATABASE_URL: TEST_DATABASE_URL,
        KAFKA_BROKERS: broker.brokers,
        CACHE_PREFIX: uniquePrefix('ingest-broker'),
        INGEST_TOPIC: run.topic,
        INGEST_GROUP_ID: run.group,
        INGEST_FAILURE_TOPIC: run.failures,
      });
      await firstCommit(admin, run);
      await admin.disconnect();
      await broker.restart();
      await admin.connect();
      // The rest of the stream arrives once the broker is back; the bridge has to pick it up too.
      const after = await produceTelematics({ ...stream, maxEvents: 8_000, runSeed: freshSeed() });
      await expectExactlyIngested({ sql, admin }, run, sumOf(before, after), since);
    } finally {
      await bridge?.stop('SIGTERM');
      await admin.disconnect().catch(() => undefined);
      await sql.end();
      await broker.remove();
    }
  }, 300_000);

  it('loses nothing and stores nothing twice when PostgreSQL restarts mid-stream', async () => {
    const server = await PrivatePostgresServer.start();
    const kafka = createKafka({ clientId: 'ingest-postgres-restart', retries: 10 });
    const admin = kafka.admin();
    let sql: Sql | undefined;
    let bridge: BridgeProcess | undefined;
    try {
      await migrate({ databaseUrl: server.url });
      await seedDatabase({ drivers: DRIVERS, days: 1, seed: DATASET.seed, end: DATASET.end, sampleIntervalS: 60, tripsOnly: true, databaseUrl: server.url });
      sql = createSqlClient(dbClientOptions({ url: server.url, max: 2, statementTimeoutMs: 0, applicationName: 'ingest-faults-test' })).sql;
      await admin.connect();
      const run = names('postgres');
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: run.topic, numPartitions: 4 }] });
      const since = new Date();
      const producing = produceTelematics({
        kafka, topic: run.topic, rate: 4_000, durationS: 0, maxEvents: 16_000, drivers: DRIVERS, datasetSeed: DATASET.seed, runSeed: freshSeed(),
        duplicateShare: 0.05, poisonShare: 0.01,
      });
      bridge = startBridgeProcess({
        DATABASE_URL: server.url,
        CACHE_PREFIX: uniquePrefix('ingest-postgres'),
        INGEST_TOPIC: run.topic,
        INGEST_GROUP_ID: run.group,
        INGEST_FAILURE_TOPIC: run.failures,
      });
      await firstCommit(admin, run);
      await server.restart('fast');
      const produced = await producing;
      await expectExactlyIngested({ sql, admin }, run, produced, since);
    } finally {
      await bridge?.stop('SIGTERM');
      await admin.disconnect().catch(() => undefined);
      await sql?.end();
      await server.remove();
    }
  }, 300_000);
});

function sumOf(...parts: Awaited<ReturnType<typeof produceTelematics>>[]): Awaited<ReturnType<typeof produceTelematics>> {
  const total = { sent: 0, unique: 0, duplicates: 0, poison: 0, errors: 0, seconds: 0, rate: 0 };
  for (const part of parts) {
    for (const field of ['sent', 'unique', 'duplicates', 'poison', 'errors', 'seconds'] as const) total[field] += part[field];
  }
  return total;
}
