/**
 * `npm run bench:metrics`: one collect-metrics run on the 1000-driver dataset with a lagging
 * consumer group, repeated to get stable figures.
 *
 * Runs on the test database (TEST_DATABASE_URL, else telematics_test), where the EXPLAIN tests keep
 * the 1000-driver, 7-day dataset (seeded here on first use), with three scoring runs per driver
 * added for the run and removed after. The lag is read for a topic and group of the bench's own:
 * 3 partitions of 2000 records over the last 10 minutes, half of them committed.
 *
 * Baseline, measured in the same run: one round trip to each service (SELECT 1, Redis PING, Kafka
 * ListOffsets), the floor any collect run pays. Prints per-gauge medians and ends with one line:
 *   metrics collect_ms=N slowest_gauge_ms=N gauges=N
 * Target on the reference machine: collect_ms < 200.
 */
import { performance } from 'node:perf_hooks';
import { resetConfig } from '../../lib/config/index.js';
import { closeDb, getDb } from '../../lib/db/index.js';
import { closeKafka } from '../../lib/kafka/index.js';
import { closeCollector, collectAndPublish, type CollectReport } from '../../lib/metrics/collect.js';
import { closeRedis, ensureRedisConnected } from '../../lib/redis/index.js';
import { startOfUtcDay } from '../../lib/seed/index.js';
import { lagFixture } from '../../test/integration/metrics/kafka.js';
import { ensureDataset, testSql } from '../../test/helpers/db.js';
import { testDatabaseUrl } from '../../test/helpers/env.js';

const RUNS = 15;
const WARMUP = 3;
const MODEL = 'bench-metrics';

process.env.DATABASE_URL = testDatabaseUrl();
process.env.LOG_LEVEL ??= 'ERROR';
resetConfig();

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

console.log('preparing the 1000-driver dataset (seeded once, reused after)...');
await ensureDataset({ drivers: 1000, days: 7, seed: 42, end: startOfUtcDay(), sampleIntervalS: 15 });
const setup = testSql();
await setup`DELETE FROM risk_scores WHERE model_version = ${MODEL}`;
await setup`
  INSERT INTO risk_scores (driver_id, score, model_version, scored_at)
  SELECT d.id, (d.id * 7 + run * 13) % 100, ${MODEL}, now() - run * interval '1 hour' FROM drivers d CROSS JOIN generate_series(0, 2) run`;
await setup`ANALYZE risk_scores`;

const kafka = await lagFixture(3);
try {
  const now = Date.now();
  for (const partition of [0, 1, 2]) await kafka.produce(partition, 2000, (i) => now - 600_000 + i * 300);
  await kafka.commit({ 0: 1000, 1: 1000, 2: 1000 });

  // Baseline: one round trip per service.
  const redis = await ensureRedisConnected();
  const baselines: number[] = [];
  for (let i = 0; i < RUNS + WARMUP; i++) {
    const t0 = performance.now();
    await Promise.all([getDb()`SELECT 1`, redis.ping(), kafka.admin.fetchTopicOffsets(kafka.topic)]);
    if (i >= WARMUP) baselines.push(performance.now() - t0);
  }

  const reports: CollectReport[] = [];
  for (let i = 0; i < RUNS + WARMUP; i++) {
    const report = await collectAndPublish({ topic: kafka.topic, groupId: kafka.groupId });
    if (report.sources.some((s) => !s.ok)) throw new Error(`gauges not read: ${report.sources.filter((s) => !s.ok).map((s) => s.gauge).join(', ')}`);
    if (i >= WARMUP) reports.push(report);
  }

  const gauges = reports[0]!.sources.map((s) => s.gauge);
  const perGauge = gauges.map((gauge) => ({ gauge, ms: median(reports.map((r) => r.sources.find((s) => s.gauge === gauge)!.ms)) }));
  for (const { gauge, ms } of perGauge) console.log(`  ${gauge.padEnd(20)} median ${ms.toFixed(2)} ms`);
  const collectMs = median(reports.map((r) => r.durationMs));
  const baselineMs = median(baselines);
  const slowest = perGauge.reduce((a, b) => (b.ms > a.ms ? b : a));
  const lag = reports[0]!.families.find((f) => f.name === 'kafka_consumer_lag_messages')?.values.map((v) => v.value);
  console.log(`lagging group: ${JSON.stringify(lag)} messages behind per partition`);
  console.log(`baseline (one round trip to PostgreSQL, Redis and Kafka, in parallel): median ${baselineMs.toFixed(2)} ms`);
  console.log(`collect run: median ${collectMs.toFixed(2)} ms over ${RUNS} runs = ${(collectMs / baselineMs).toFixed(1)}x baseline; slowest gauge ${slowest.gauge}`);
  console.log(`metrics collect_ms=${Math.round(collectMs)} slowest_gauge_ms=${Math.round(slowest.ms)} gauges=${gauges.length}`);
} finally {
  await kafka.close();
  await setup`DELETE FROM risk_scores WHERE model_version = ${MODEL}`;
  await setup.end({ timeout: 5 });
  await closeCollector();
  await closeKafka();
  await closeRedis();
  await closeDb();
}
