/**
 * npm run bench:ingest [-- --events 1000000 --handler-events 100000 --copy-events 200000 --drivers 1000]
 *
 * Ingestion throughput on this machine, in one run, against a database of its own
 * (telematics_bench_ingest on the DATABASE_URL server, created, migrated and seeded with the
 * drivers on first use) and topics of its own on the local Kafka:
 *   (a) the ceiling: `psql \copy` of the same kind of events straight into telematics_events;
 *   (b) the ingest handler alone, fed pre-built Lambda Kafka events of 500 and of 5,000 records,
 *       with the time per stage (decode+validate, ownership lookups, COPY, insert, trip update, ...);
 *   (c) end to end: producer -> Kafka -> bridge -> handler -> PostgreSQL, lag sampled every second.
 * Final line: ingest copy_eps=N handler_eps=N e2e_eps=N e2e_ratio=N max_lag=N drain_s=N
 * handler_eps is the 5,000-record figure; e2e_ratio is e2e_eps / copy_eps (the same run's ceiling).
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Message } from 'kafkajs';
import { handler } from '../../functions/ingest/handler.js';
import { getConfig, resetConfig } from '../../lib/config/index.js';
import { closeDb, createSqlClient, dbClientOptions, type Sql } from '../../lib/db/index.js';
import { migrate } from '../../lib/db/migrate.js';
import { EventSourceBridge } from '../../lib/ingest/bridge.js';
import { copyLine, lambdaKafkaEvent, type LambdaKafkaEvent, type TelematicsEvent } from '../../lib/ingest/index.js';
import { fleetMessages, produceTelematics } from '../../lib/ingest/producer.js';
import { ingestStageSeconds, profileIngestStages } from '../../lib/ingest/profile.js';
import { EVENT_COLUMNS } from '../../lib/ingest/queries.js';
import { createKafka } from '../../lib/kafka/index.js';
import { seedDatabase } from '../../lib/seed/index.js';
import { readIngestSettings } from '../lib/ingest-settings.js';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    'handler-events': { type: 'string', default: '100000' },
    'copy-events': { type: 'string', default: '200000' },
    drivers: { type: 'string', default: '1000' },
    database: { type: 'string', default: 'telematics_bench_ingest' },
  },
});
const E2E_EVENTS = Number(values.events);
const HANDLER_EVENTS = Number(values['handler-events']);
const COPY_EVENTS = Number(values['copy-events']);
const DRIVERS = Number(values.drivers);
const DATASET_SEED = 42;

const serverUrl = new URL(getConfig().db.url);
const benchUrl = new URL(serverUrl);
benchUrl.pathname = `/${values.database}`;
process.env.DATABASE_URL = benchUrl.toString();
process.env.LOG_LEVEL ??= 'WARN';
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
resetConfig();

const log = (line: string) => console.log(line);
const seconds = (fromMs: number) => (performance.now() - fromMs) / 1000;
const lambdaContext = () => ({
  callbackWaitsForEmptyEventLoop: false, functionName: 'bench-ingest', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench-ingest',
  memoryLimitInMB: '1024', awsRequestId: randomUUID(), logGroupName: 'bench', logStreamName: 'bench', getRemainingTimeInMillis: () => 120_000,
  done: () => undefined, fail: () => undefined, succeed: () => undefined,
});

async function prepareDatabase(): Promise<void> {
  const admin = createSqlClient(dbClientOptions({ url: serverUrl.toString(), max: 1, statementTimeoutMs: 0 })).sql;
  try {
    const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = ${values.database}`;
    if (!exists) await admin`CREATE DATABASE ${admin(values.database)}`;
  } finally {
    await admin.end();
  }
  await migrate({ databaseUrl: benchUrl.toString() });
  const sql = client();
  try {
    const [dataset] = await sql<{ drivers: number }[]>`SELECT drivers FROM training.synthetic_datasets WHERE seed = ${DATASET_SEED} ORDER BY id DESC LIMIT 1`;
    if (!dataset || dataset.drivers < DRIVERS) {
      log(`seeding ${DRIVERS} drivers into ${values.database} (once)`);
      await seedDatabase({ drivers: DRIVERS, days: 1, seed: DATASET_SEED, end: new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 30 * 86_400_000), sampleIntervalS: 60, databaseUrl: benchUrl.toString(), reset: true });
    }
  } finally {
    await sql.end();
  }
}

function client(): Sql {
  return createSqlClient(dbClientOptions({ url: benchUrl.toString(), max: 2, statementTimeoutMs: 0, applicationName: 'bench-ingest' })).sql;
}

/** Fresh events (a new run seed each call): nothing of them is stored yet. */
function fleet(count: number): Message[] {
  const messages: Message[] = [];
  for (const message of fleetMessages({ drivers: DRIVERS, datasetSeed: DATASET_SEED, runSeed: Math.floor(Math.random() * 2 ** 31), nowMs: Date.now() })) {
    messages.push(message);
    if (messages.length >= count) break;
  }
  return messages;
}

function copyCeiling(): number {
  const lines = fleet(COPY_EVENTS).map((m) => copyLine(JSON.parse(String(m.value)) as TelematicsEvent)).join('');
  const dir = mkdtempSync(join(tmpdir(), 'bench-ingest-'));
  const file = join(dir, 'events.copy');
  writeFileSync(file, lines);
  try {
    const started = performance.now();
    execFileSync('psql', [benchUrl.toString(), '-v', 'ON_ERROR_STOP=1', '-qc', `\\copy telematics_events (${EVENT_COLUMNS.join(', ')}) FROM '${file}'`], { stdio: 'inherit' });
    return COPY_EVENTS / seconds(started);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function handlerAlone(batchSize: number): Promise<number> {
  const messages = fleet(HANDLER_EVENTS);
  const events: LambdaKafkaEvent[] = [];
  for (let i = 0; i < messages.length; i += batchSize) {
    events.push(lambdaKafkaEvent(messages.slice(i, i + batchSize).map((m, j) => ({
      topic: 'bench.handler', partition: (i / batchSize) % 6, offset: i + j, timestamp: Date.now(), key: m.key as string, value: m.value as string,
    }))));
  }
  profileIngestStages(true);
  const started = performance.now();
  for (const event of events) {
    const response = await handler(event, lambdaContext());
    if (response.batchItemFailures.length > 0) throw new Error(`the handler reported ${response.batchItemFailures.length} failures`);
  }
  const elapsed = seconds(started);
  const stages = ingestStageSeconds();
  profileIngestStages(false);
  const share = Object.entries(stages)
    .sort((a, b) => b[1] - a[1])
    .map(([name, s]) => `${name} ${((s / elapsed) * 100).toFixed(0)}%`)
    .join(', ');
  log(`  (b) handler, ${events.length} events of ${batchSize}: ${Math.round(messages.length / elapsed)} events/s (${elapsed.toFixed(1)} s); time: ${share}`);
  return messages.length / elapsed;
}

async function endToEnd(): Promise<{ eps: number; maxLag: number; drainS: number; stored: number; produced: number }> {
  const settings = readIngestSettings();
  const id = Date.now().toString(36);
  const topic = `bench.ingest.${id}`;
  const kafka = createKafka({ clientId: 'bench-ingest', retries: 10 });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 6 }] });
  let maxLag = 0;
  const bridge = new EventSourceBridge({
    kafka, topic, groupId: `bench-ingest-${id}`, batchSize: Number(process.env.INGEST_BATCH_SIZE || settings.batchSize), batchingWindowMs: settings.maximumBatchingWindow * 1000,
    fromBeginning: true, maximumRetryAttempts: settings.maximumRetryAttempts, bisectBatchOnFunctionError: settings.bisectBatchOnFunctionError,
    reportBatchItemFailures: true, onFailureTopic: `${topic}.failed`, bootstrapServers: getConfig().kafka.brokers,
    concurrency: Number(process.env.INGEST_CONCURRENCY || 1),
    invoke: (event) => handler(event, lambdaContext()),
    onLag: (lag) => {
      maxLag = Math.max(maxLag, lag);
    },
  });
  const sql = client();
  const [before] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM telematics_events`;
  await bridge.start();
  const started = performance.now();
  const produced = await produceTelematics({
    kafka, topic, rate: 0, durationS: 0, maxEvents: E2E_EVENTS, drivers: DRIVERS, datasetSeed: DATASET_SEED,
    onProgress: (p) => process.stdout.write(`\r  (c) produced ${p.sent} (${p.rate}/s), lag ${bridge.lastLag ?? '?'}   `),
  });
  const producedAt = performance.now();
  let lag = -1;
  while (lag !== 0) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    lag = await bridge.lag();
    process.stdout.write(`\r  (c) draining, lag ${lag}            `);
  }
  const elapsed = seconds(started);
  const drainS = seconds(producedAt);
  process.stdout.write('\n');
  const { invocations, records, invokeMs } = bridge.invocationStats;
  log(
    `  (c) bridge: ${invocations} invocations of ${Math.round(records / Math.max(1, invocations))} records on average; ` +
      `in the handler ${((invokeMs / 1000 / elapsed) * 100).toFixed(0)}% of the run, the rest Kafka fetch/commit, batching and the producer`,
  );
  await bridge.stop();
  await admin.deleteTopics({ topics: [topic, `${topic}.failed`] }).catch(() => undefined);
  await admin.disconnect();
  const [after] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM telematics_events`;
  await sql.end();
  return { eps: produced.unique / elapsed, maxLag, drainS, stored: after!.n - before!.n, produced: produced.unique };
}

await prepareDatabase();
log(`bench:ingest on ${values.database}: copy ${COPY_EVENTS}, handler ${HANDLER_EVENTS} x2, end to end ${E2E_EVENTS} events, ${DRIVERS} drivers`);
const copyEps = copyCeiling();
log(`  (a) psql \\copy ceiling: ${Math.round(copyEps)} events/s`);
await handlerAlone(500);
const handlerEps = await handlerAlone(5000);
log(`      handler / copy: ${(handlerEps / copyEps).toFixed(2)}`);
const e2e = E2E_EVENTS > 0 ? await endToEnd() : { eps: 0, maxLag: 0, drainS: 0, stored: 0, produced: 0 };
if (E2E_EVENTS > 0) {
  log(`  (c) end to end: ${e2e.produced} events produced, ${e2e.stored} stored, ${Math.round(e2e.eps)} events/s, max lag ${e2e.maxLag}, drained ${e2e.drainS.toFixed(1)} s after the producer finished`);
  if (e2e.stored !== e2e.produced) log(`  WARNING: stored ${e2e.stored} != produced ${e2e.produced}`);
}
await closeDb();
log(
  `ingest copy_eps=${Math.round(copyEps)} handler_eps=${Math.round(handlerEps)} e2e_eps=${Math.round(e2e.eps)} ` +
    `e2e_ratio=${(e2e.eps / copyEps).toFixed(2)} max_lag=${e2e.maxLag} drain_s=${e2e.drainS.toFixed(1)}`,
);
process.exit(0);
