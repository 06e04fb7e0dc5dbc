/**
 * npm run bench:scoring [-- --database-url postgres://... --no-seed]
 *
 * The scoring run on 10,000 drivers x 90 days (issue 9): model load, inference latency for batches
 * of 1, 100 and 10,000 (with 100 single-driver calls as the baseline of the batch of 100, measured
 * in the same run), then one full run split into features SQL, inference, writes and cache refresh.
 * The dataset lives in a database of its own (default telematics_scoring_bench on the local
 * server), seeded on first use with trips only: features come from trips, so raw events are not
 * stored (minutes of simulation instead of an hour of event writes). --no-seed uses the database
 * as it is. Ends with:
 *   scoring drivers=N total_s=N features_s=N infer_batch100_ms=N writes_s=N load_ms=N
 */
import { parseArgs } from 'node:util';
import { getCacheStats } from '../../lib/cache/index.js';
import { getConfig, resetConfig } from '../../lib/config/index.js';
import { closeDb, getDb } from '../../lib/db/index.js';
import { migrate } from '../../lib/db/migrate.js';
import { closeRedis } from '../../lib/redis/index.js';
import { listDriverFeatures, type DriverFeatureRow } from '../../lib/scoring/queries.js';
import { loadRiskModel, resetRiskModel, scoreDrivers, toInputRows, type RiskModel, type ScoringReport } from '../../lib/scoring/index.js';
import type { DatasetShape } from '../../lib/seed/index.js';
import { ensureTripsDataset } from '../lib/trips-dataset.js';

const DATASET: DatasetShape = { drivers: 10_000, days: 90, seed: 42, end: new Date('2026-11-01T00:00:00Z'), sampleIntervalS: 5 };

const { values } = parseArgs({ options: { 'database-url': { type: 'string' }, 'no-seed': { type: 'boolean', default: false } } });
const url = values['database-url'] ?? onServer(getConfig().db.url, 'telematics_scoring_bench');
process.env.DATABASE_URL = url;
// A key space of its own, whatever CACHE_PREFIX says: the bench warms its own database's drivers,
// whose ids would shadow the same ids of the development or test database under a shared prefix.
process.env.CACHE_PREFIX = `${process.env.CACHE_PREFIX ?? 'tele'}_bench_scoring`;
process.env.LOG_LEVEL ??= 'WARN';
// The full run scores all 10,000 drivers in one statement per phase: no per-statement cap.
process.env.DB_STATEMENT_TIMEOUT_MS ??= '600000';
resetConfig();

const fmt = (n: number, digits = 3) => Number(n.toFixed(digits));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))] ?? Number.NaN;

async function latency(model: RiskModel, drivers: readonly DriverFeatureRow[], batch: number, repeats: number): Promise<number[]> {
  const rows = Array.from({ length: batch }, (_, i) => drivers[i % drivers.length] as DriverFeatureRow);
  const input = toInputRows(model.card, rows);
  const times: number[] = [];
  for (let r = 0; r < repeats + 3; r++) {
    const t = performance.now();
    await model.predict(input, batch);
    if (r >= 3) times.push(performance.now() - t); // three warm-up calls
  }
  return times;
}

try {
  const state = values['no-seed'] ? 'used as it is (--no-seed)' : await ensureTripsDataset(url, DATASET, (line) => console.log(line));
  if (values['no-seed']) await migrate({ databaseUrl: url });
  const sql = getDb();
  const end = DATASET.end.toISOString();
  const [shape] = await sql<{ drivers: number; trips: number; days: number }[]>`
    SELECT count(DISTINCT driver_id)::int AS drivers, count(*)::int AS trips,
           (extract(epoch FROM max(started_at) - min(started_at)) / 86400)::int AS days
    FROM trips WHERE started_at >= ${end}::text::timestamptz - interval '90 days' AND started_at < ${end}::text::timestamptz`;
  console.log(
    `dataset: ${new URL(url).pathname.slice(1)} (${state}); ${shape?.drivers} drivers with ${shape?.trips} trips over ${shape?.days} days in the 90-day window; ` +
      'trips only: the seeder stored no raw events for this benchmark (features are computed from trips)',
  );

  // Model load from the layer, as a cold instance does it.
  resetRiskModel();
  const model = await loadRiskModel();
  console.log(`model ${model.version} from ${model.source}: load ${fmt(model.loadMs, 1)} ms`);

  const drivers = await listDriverFeatures({ end, days: 90 });
  const batch1 = await latency(model, drivers, 1, 300);
  const batch100 = await latency(model, drivers, 100, 300);
  const batch10k = await latency(model, drivers, 10_000, 20);
  // Baseline: the batch of 100 done as 100 single-driver calls (one call per driver), same session.
  const oneByOne: number[] = [];
  for (let r = 0; r < 20; r++) {
    const t = performance.now();
    for (let i = 0; i < 100; i++) await model.predict(toInputRows(model.card, [drivers[i % drivers.length] as DriverFeatureRow]), 1);
    oneByOne.push(performance.now() - t);
  }
  console.log(`inference batch of 1:      median ${fmt(median(batch1))} ms, p95 ${fmt(p95(batch1))} ms`);
  console.log(`inference batch of 100:    median ${fmt(median(batch100))} ms, p95 ${fmt(p95(batch100))} ms (seeds' target 180 ms)`);
  console.log(`inference batch of 10,000: median ${fmt(median(batch10k))} ms, p95 ${fmt(p95(batch10k))} ms`);
  console.log(`baseline, 100 drivers one call each: median ${fmt(median(oneByOne))} ms; batching is ${fmt(median(oneByOne) / median(batch100), 1)}x faster`);

  // The dataset's runs end at midnight, where the window is whole days of the rollup; an hourly run
  // mid-day also reads the trips of the partial days at both ends.
  const midDay = new Date(DATASET.end.getTime() - 10 * 3_600_000).toISOString();
  const midDayStarted = performance.now();
  const midDayDrivers = await listDriverFeatures({ end: midDay, days: 90 });
  console.log(`features at a mid-day hour (${midDay}, partial first and last days read from trips): ${midDayDrivers.length} drivers in ${fmt((performance.now() - midDayStarted) / 1000)} s`);

  // What the scoring tables hold when a run starts: a real hourly job writes into tables holding
  // every earlier hour (one row per driver per hour), so the size is printed with each run.
  const held = async () => {
    const [row] = await sql<{ scores: number; premiums: number; mb: number }[]>`
      SELECT (SELECT count(*) FROM risk_scores)::int AS scores, (SELECT count(*) FROM premiums)::int AS premiums,
             round((pg_total_relation_size('risk_scores') + pg_total_relation_size('premiums')) / 1048576.0, 1)::float8 AS mb`;
    return `risk_scores ${row?.scores} rows, premiums ${row?.premiums} rows (${row?.mb} MB with indexes)`;
  };
  const split = (r: ScoringReport) =>
    `writes ${fmt(r.timings.writesMs / 1000)} s (staging COPY and statistics ${fmt(r.timings.writeStageMs / 1000)} s, the statement writing both tables ${fmt(r.timings.writeStatementMs / 1000)} s)`;

  // The full run, every score and premium new (so every driver's caches are refreshed too), on
  // emptied tables: the same starting point for every run of the benchmark, whatever ran before.
  console.log(`before the full run empties them, the scoring tables hold ${await held()}`);
  await sql`TRUNCATE premiums, risk_scores`;
  const redisErrors = () => Object.values(getCacheStats()).reduce((sum, c) => sum + c.errors + c.l2_bypassed, 0);
  const errorsBefore = redisErrors();
  const report = await scoreDrivers({ at: DATASET.end });
  const t = report.timings;
  console.log(
    `full run: ${report.drivers} drivers, ${report.premiums} premiums, ${report.changed} changed, ${t.batchMs.length} batches of ${getConfig().scoring.batchSize}; ` +
      `features ${fmt(t.featuresMs / 1000)} s, inference ${fmt(t.inferenceMs, 1)} ms, writes ${fmt(t.writesMs / 1000)} s, cache refresh ${fmt(t.cacheMs / 1000)} s, push ${fmt(t.notifyMs / 1000)} s, ` +
      `total ${fmt(t.totalMs / 1000)} s; PSI against training ${report.psi === null ? 'n/a' : fmt(report.psi, 4)}`,
  );
  console.log(
    `cache refresh of ${report.changed} drivers (2 entries each): invalidation ${fmt(t.cacheInvalidateMs / 1000)} s, warming (store, from the rows the write returned) ${fmt(t.cacheWarmMs / 1000)} s; ` +
      `Redis errors or bypasses during the run: ${redisErrors() - errorsBefore}`,
  );
  const other = t.totalMs - t.modelLoadMs - t.featuresMs - t.inferenceMs - t.writesMs - t.cacheMs - t.notifyMs;
  console.log(`rest of the run (scores, reasons and premiums in memory, metrics): ${fmt(other / 1000)} s`);
  console.log(`full run's ${split(report)}`);
  const rerun = await scoreDrivers({ at: DATASET.end });
  console.log(`rerun of the same hour: ${rerun.drivers} drivers rewritten in place, ${rerun.changed} changed, total ${fmt(rerun.timings.totalMs / 1000)} s, ${split(rerun)}`);
  // The next hour, as the hourly schedule runs it: new rows beside the previous hour's, the window
  // an hour later (its partial first and last days read from trips), changes against the previous scores.
  const before = await held();
  const next = await scoreDrivers({ at: new Date(DATASET.end.getTime() + 3_600_000) });
  const n = next.timings;
  console.log(
    `next hour (${next.run}), tables holding ${before}: ${next.drivers} drivers, ${next.changed} changed; features ${fmt(n.featuresMs / 1000)} s, ` +
      `${split(next)}, cache refresh ${fmt(n.cacheMs / 1000)} s, push ${fmt(n.notifyMs / 1000)} s, total ${fmt(n.totalMs / 1000)} s; after it: ${await held()}`,
  );
  console.log(
    `scoring drivers=${report.drivers} total_s=${fmt(t.totalMs / 1000)} features_s=${fmt(t.featuresMs / 1000)} ` +
      `infer_batch100_ms=${fmt(median(batch100))} writes_s=${fmt(t.writesMs / 1000)} load_ms=${fmt(model.loadMs, 1)}`,
  );
} finally {
  await closeDb();
  await closeRedis();
}

function onServer(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
