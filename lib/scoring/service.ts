import { invalidateGroups } from '../cache/index.js';
import { getConfig } from '../config/index.js';
import { DASHBOARD_GROUP } from '../dashboard/cache.js';
import { getLogger } from '../logger/index.js';
import { driverPremiumGroup } from '../premiums/cache.js';
import { quotePremium } from '../premiums/formula.js';
import { warmPremiums } from '../premiums/service.js';
import { driverRiskGroup } from '../risk/cache.js';
import { warmRiskScores } from '../risk/service.js';
import { changeOf, hasChanged } from './changes.js';
import { topReasons } from './explain.js';
import { FEATURE_NAMES, type Features } from './features.js';
import { driversScored, inferenceBatchDuration, riskScores, runPhaseDuration, scorePsi } from './metrics.js';
import { getRiskModel, toInputRows, type RiskModel } from './model.js';
import { notifyScored } from './notify.js';
import { listDriverFeatures, writeScores, type DriverFeatureRow, type ScoreWrite, type WrittenScores } from './queries.js';
import type { ScoringReport, ScoringRequest } from './report.js';
import { distribution, populationStabilityIndex, probabilityToScore } from './score.js';

/**
 * The scoring run (SPEC 7, issue 9): features of every active driver (or the given ones) in one
 * SQL pass, batched ONNX inference, scores with their reasons, premiums, one bulk write, then the
 * caches of the drivers whose score or premium changed. A run belongs to an hour: its features
 * window ends at that hour and its rows are keyed by it, so rerunning the hour rewrites the same
 * rows instead of adding any.
 */

const HOUR_MS = 3_600_000;
/** Drivers per cache refresh step: 2,000 groups bumped in one script. */
const REFRESH_CHUNK = 1000;

export async function scoreDrivers(request: ScoringRequest = {}): Promise<ScoringReport> {
  const started = performance.now();
  const { scoring } = getConfig();
  const run = new Date(Math.floor((request.at ?? new Date()).getTime() / HOUR_MS) * HOUR_MS).toISOString();

  const loadStarted = performance.now();
  const model = await getRiskModel();
  const modelLoadMs = performance.now() - loadStarted;

  const featuresStarted = performance.now();
  const drivers = await listDriverFeatures({ end: run, days: scoring.windowDays, driverIds: request.driverIds });
  const featuresMs = performance.now() - featuresStarted;

  const { probabilities, batchMs } = await infer(model, drivers, scoring.batchSize);
  const inferenceMs = batchMs.reduce((a, b) => a + b, 0);

  const rows = drivers.map((driver, i) => resultRow(model, driver, probabilities[i] as number, scoring.windowDays));
  const changes = rows.map((row, i) => changeOf(row, drivers[i] as DriverFeatureRow));
  const changed = changes.filter(hasChanged).map((change) => change.driverId);
  const writesStarted = performance.now();
  const written = await writeScores({ rows, changed: new Set(changed), modelVersion: model.version, run });
  const writesMs = performance.now() - writesStarted;

  const cacheStarted = performance.now();
  const { invalidateMs: cacheInvalidateMs, warmMs: cacheWarmMs } = await refreshCaches(changed, written.current);
  const cacheMs = performance.now() - cacheStarted;

  const scores = rows.map((r) => r.score);
  const shares = distribution(scores, model.card.score.training_distribution.edges);
  const psi = request.driverIds === undefined && scores.length > 0 ? populationStabilityIndex(shares, model.card.score.training_distribution.shares) : null;
  const totalMs = performance.now() - started;
  const report: ScoringReport = {
    run,
    modelVersion: model.version,
    modelSource: model.source,
    modelLoadMs: model.loadMs,
    windowDays: scoring.windowDays,
    drivers: written.scores,
    premiums: written.premiums,
    changed: changed.length,
    timings: { modelLoadMs, featuresMs, inferenceMs, batchMs, writesMs, writeStageMs: written.steps.stageMs, writeStatementMs: written.steps.statementMs, cacheMs, cacheInvalidateMs, cacheWarmMs, notifyMs: 0, totalMs },
    scoreDistribution: shares,
    psi,
  };
  // The run is done once written and cached (scoring.completed carries that duration); the push
  // is timed apart and counted in the total the metrics and the benchmark report.
  const notifyStarted = performance.now();
  await notifyScored(report, rows, changes);
  report.timings.notifyMs = performance.now() - notifyStarted;
  report.timings.totalMs = performance.now() - started;
  record(report, scores, model);
  return report;
}

async function infer(model: RiskModel, drivers: readonly DriverFeatureRow[], batchSize: number) {
  const probabilities = new Float64Array(drivers.length);
  const batchMs: number[] = [];
  for (let from = 0; from < drivers.length; from += batchSize) {
    const batch = drivers.slice(from, from + batchSize);
    const input = toInputRows(model.card, batch);
    const t = performance.now();
    probabilities.set(await model.predict(input, batch.length), from);
    batchMs.push(performance.now() - t);
  }
  return { probabilities, batchMs };
}

function resultRow(model: RiskModel, driver: DriverFeatureRow, probability: number, windowDays: number): ScoreWrite {
  if (!Number.isFinite(probability)) throw new Error(`model ${model.version} gave no probability for driver ${driver.driver_id}`);
  const features = Object.fromEntries(FEATURE_NAMES.map((name) => [name, Number(driver[name])])) as Features;
  const score = probabilityToScore(probability, model.card.score.probability_percentiles);
  const quote =
    driver.policy_id === null || driver.base_premium === null
      ? null
      : quotePremium({ basePremium: Number(driver.base_premium), score, distanceKm: Number(driver.distance_km), windowDays });
  return {
    driver_id: driver.driver_id,
    score,
    features: { ...roundAll(features), probability: round(probability, 6), trips: driver.trips, distance_km: round(Number(driver.distance_km), 3), window_days: windowDays },
    reasons: topReasons(model.linear, features),
    premium:
      quote && driver.policy_id !== null
        ? {
            policy_id: driver.policy_id,
            base_amount: quote.baseAmount,
            risk_factor: quote.riskFactor,
            usage_factor: quote.usageFactor,
            final_amount: quote.finalAmount,
            details: { ...quote.details },
          }
        : null,
  };
}

/**
 * Outdates the changed drivers' risk and premium entries everywhere (and the dashboard's figures,
 * which include the risk distribution), then warms those drivers' current score and premium with
 * exactly what the routes serve: the rows the write returned, in the routes' columns. A chunk of
 * drivers at a time: their groups are bumped (one script and one bus message), then their entries
 * stored (pipelines of a few hundred, one bus message each). Returns the time spent invalidating
 * and warming. A Redis outage does not fail the run: the cache queues the invalidations and
 * replays them when Redis is back, and warming skips what it cannot store.
 */
async function refreshCaches(driverIds: readonly number[], current: WrittenScores['current']): Promise<{ invalidateMs: number; warmMs: number }> {
  const spent = { invalidateMs: 0, warmMs: 0 };
  if (driverIds.length === 0) return spent;
  const riskOf = new Map(current.risk.map((row) => [row.driver_id, row]));
  const premiumOf = new Map(current.premiums.map((row) => [row.driver_id, row]));
  for (let from = 0; from < driverIds.length; from += REFRESH_CHUNK) {
    const chunk = driverIds.slice(from, from + REFRESH_CHUNK);
    let started = performance.now();
    await invalidateGroups(...chunk.flatMap((id) => [driverRiskGroup(id), driverPremiumGroup(id)]));
    spent.invalidateMs += performance.now() - started;
    started = performance.now();
    await Promise.all([
      warmRiskScores(chunk.flatMap((id) => riskOf.get(id) ?? [])),
      warmPremiums(chunk.flatMap((id) => premiumOf.get(id) ?? [])),
    ]);
    spent.warmMs += performance.now() - started;
  }
  const started = performance.now();
  await invalidateGroups(DASHBOARD_GROUP);
  spent.invalidateMs += performance.now() - started;
  return spent;
}

function record(report: ScoringReport, scores: readonly number[], model: RiskModel): void {
  driversScored.inc(report.drivers);
  for (const ms of report.timings.batchMs) inferenceBatchDuration.observe(ms / 1000);
  for (const score of scores) riskScores.observe(score);
  const t = report.timings;
  for (const [phase, ms] of Object.entries({ model_load: t.modelLoadMs, features: t.featuresMs, inference: t.inferenceMs, writes: t.writesMs, cache: t.cacheMs, notify: t.notifyMs, total: t.totalMs })) {
    runPhaseDuration.set({ phase }, ms / 1000);
  }
  if (report.psi !== null) scorePsi.set(report.psi);
  getLogger().info('scoring run', {
    run: report.run,
    model_version: model.version,
    model_source: model.source,
    model_load_ms: Math.round(model.loadMs),
    drivers: report.drivers,
    premiums: report.premiums,
    changed: report.changed,
    psi: report.psi,
    timings_ms: Object.fromEntries(Object.entries(t).filter(([k]) => k !== 'batchMs').map(([k, v]) => [k, Math.round(v as number)])),
    batches: t.batchMs.length,
  });
}

function roundAll(features: Features): Record<string, number> {
  return Object.fromEntries(Object.entries(features).map(([k, v]) => [k, round(v, 6)]));
}

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;
