import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/score-drivers/handler.js';
import { createCache } from '../../../lib/cache/index.js';
import { closeDb, onQueryTiming, type Sql } from '../../../lib/db/index.js';
import { getPremium } from '../../../lib/premiums/service.js';
import { getRiskScore } from '../../../lib/risk/service.js';
import { ValidationError } from '../../../lib/errors/index.js';
import { driverPremiumGroup, premiumsCache } from '../../../lib/premiums/cache.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { driverRiskGroup, riskCache } from '../../../lib/risk/cache.js';
import { listDriverFeatures } from '../../../lib/scoring/queries.js';
import { FEATURE_NAMES, MAX_REASONS, MONOTONE_INCREASING, scoreDrivers, type ScoringReport } from '../../../lib/scoring/index.js';
import { adminPrincipal } from '../../helpers/api.js';
import { setEnv } from '../../helpers/config.js';
import { createTestDriver, testSql, type TestDriver } from '../../helpers/db.js';
import { insertTrip } from '../../helpers/fixtures.js';
import { deleteKeysWithPrefix, rawRedis, uniquePrefix } from '../../helpers/redis.js';

/**
 * The scoring run against the real PostgreSQL and Redis, with the committed model from the layer:
 * drivers of its own with trips of its own, scored on demand for a fixed hour.
 */

const HOUR = new Date('2030-03-10T14:00:00Z');
const DAY_MS = 86_400_000;
const prefix = uniquePrefix('scoring');
let sql: Sql;
const drivers: TestDriver[] = [];
/** calm and harsh drive the same trips except that harsh has harsh events on every trip; idle has no trip in the window. */
let calm: TestDriver, harsh: TestDriver, unpriced: TestDriver, idle: TestDriver;
let ids: number[];

interface Trip {
  startedAt: Date;
  km: number;
  /** Harsh braking, acceleration and cornering events and speeding episodes, each. */
  harsh: number;
}

/** Inserts finished trips of 30 minutes directly, their days' rollup brought up to date as ingestion does. */
async function addTrips(driver: TestDriver, trips: Trip[]): Promise<void> {
  for (const t of trips) {
    await insertTrip(sql, driver, {
      startedAt: t.startedAt.toISOString(),
      endedAt: new Date(t.startedAt.getTime() + 1_800_000).toISOString(),
      distanceKm: t.km,
      durationS: 1800,
      avgSpeedKmh: t.km * 2,
      maxSpeedKmh: 95,
      harshBraking: t.harsh,
      harshAcceleration: t.harsh,
      harshCornering: t.harsh,
      speeding: t.harsh,
      nightDistanceKm: t.km / 20,
      eventCount: 100,
    });
  }
}

async function addPolicy(driver: TestDriver, base: number): Promise<void> {
  await sql`
    INSERT INTO policies (policy_number, driver_id, vehicle_id, base_premium, status, start_date, end_date)
    VALUES (${`POL-T-${driver.driverId}`}, ${driver.driverId}, ${driver.vehicleId}, ${base}, 'active', '2029-01-01', '2031-01-01')`;
}

const tripsOf = (harsh: number): Trip[] =>
  Array.from({ length: 30 }, (_, i) => ({ startedAt: new Date(HOUR.getTime() - (i * 2 + 1) * DAY_MS), km: 18 + (i % 5), harsh }));

async function rowsOf(table: 'risk_scores' | 'premiums') {
  return sql<Record<string, unknown>[]>`SELECT * FROM ${sql(table)} WHERE driver_id = ANY(${ids}::bigint[]) ORDER BY driver_id, id`;
}

let restoreEnv: (() => void) | undefined;

beforeAll(async () => {
  restoreEnv = setEnv({ CACHE_PREFIX: prefix, MODEL_SOURCE: 'layer' });
  sql = testSql();
  for (let i = 0; i < 4; i++) drivers.push(await createTestDriver(sql));
  [calm, harsh, unpriced, idle] = drivers as [TestDriver, TestDriver, TestDriver, TestDriver];
  ids = drivers.map((d) => d.driverId);
  await addTrips(calm, tripsOf(0));
  await addTrips(harsh, tripsOf(3));
  await addTrips(unpriced, tripsOf(1));
  // idle drove, but before the 90-day window.
  await addTrips(idle, [{ startedAt: new Date(HOUR.getTime() - 120 * DAY_MS), km: 30, harsh: 0 }]);
  await addPolicy(calm, 100);
  await addPolicy(harsh, 100);
});

afterAll(async () => {
  await sql`DELETE FROM premiums WHERE driver_id = ANY(${ids}::bigint[])`;
  await sql`DELETE FROM policies WHERE driver_id = ANY(${ids}::bigint[])`;
  for (const d of drivers) await d.remove();
  await sql.end({ timeout: 5 });
  await closeDb();
  await closeRedis();
  const redis = rawRedis();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  restoreEnv?.();
});

describe('score-drivers', () => {
  let first: ScoringReport;

  it('scores the drivers with trips in the window and prices those with an active policy', async () => {
    first = await scoreDrivers({ driverIds: ids, at: new Date(HOUR.getTime() + 25 * 60_000) });
    expect(first).toMatchObject({ run: HOUR.toISOString(), modelVersion: 'risk-lr-v1', drivers: 3, premiums: 2, changed: 3, psi: null });
    const scores = await rowsOf('risk_scores');
    expect(scores.map((s) => s.driver_id)).toEqual([calm.driverId, harsh.driverId, unpriced.driverId]);
    for (const s of scores) {
      expect(Number(s.score)).toBeGreaterThanOrEqual(0);
      expect(Number(s.score)).toBeLessThanOrEqual(100);
      expect(s.model_version).toBe('risk-lr-v1');
      expect((s.scoring_run as Date).toISOString()).toBe(HOUR.toISOString());
      expect(Object.keys(s.features as object)).toEqual(expect.arrayContaining([...FEATURE_NAMES, 'probability', 'trips', 'distance_km']));
    }
    const premiums = await rowsOf('premiums');
    expect(premiums.map((p) => p.driver_id)).toEqual([calm.driverId, harsh.driverId]);
  });

  it("warms every changed driver of a run with exactly the entries the routes load, without reading the written rows back", async () => {
    // The first run changed all three drivers: each one's warmed entries (built from the staged
    // values, lib/scoring/stored-json.ts) are byte for byte what the routes store once they are gone.
    expect(first.changed).toBe(3);
    const admin = adminPrincipal;
    const redis = rawRedis();
    try {
      const entry = async (cache: string, driverId: number) => {
        const stored = await redis.get(`${prefix}:${cache}:current:${driverId}`);
        return stored?.slice(stored.indexOf('{'));
      };
      for (const driver of [calm, harsh, unpriced]) {
        const priced = driver !== unpriced;
        const warmed = { risk: await entry('risk', driver.driverId), premiums: await entry('premiums', driver.driverId) };
        expect(warmed.risk).toContain(`"driver_id":${driver.driverId}`);
        expect(warmed.premiums === undefined).toBe(!priced);
        await redis.del(`${prefix}:risk:current:${driver.driverId}`, `${prefix}:premiums:current:${driver.driverId}`);
        riskCache.clearL1();
        premiumsCache.clearL1();
        await getRiskScore(admin, driver.driverId);
        expect(await entry('risk', driver.driverId)).toBe(warmed.risk);
        if (!priced) continue;
        await getPremium(admin, driver.driverId);
        expect(await entry('premiums', driver.driverId)).toBe(warmed.premiums);
      }
    } finally {
      redis.disconnect();
    }
  });

  it('stores at most three reasons per score, largest contribution first, in the shape of migration 004', async () => {
    const [harshScore] = await sql<{ reasons: { feature: string; value: number; contribution: number; description: string }[] }[]>`
      SELECT reasons FROM risk_scores WHERE driver_id = ${harsh.driverId}`;
    const reasons = harshScore?.reasons ?? [];
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons.length).toBeLessThanOrEqual(MAX_REASONS);
    for (const r of reasons) {
      expect(Object.keys(r).sort()).toEqual(['contribution', 'description', 'feature', 'value']);
      expect(r.contribution).toBeGreaterThan(0);
    }
    expect(reasons.map((r) => r.contribution)).toEqual([...reasons.map((r) => r.contribution)].sort((a, b) => b - a));
    // Three of each harsh event a trip (about 15 per 100 km) is far above the training average: the top reason.
    expect(MONOTONE_INCREASING).toContain(reasons[0]?.feature);
  });

  it('scores the driver with harsh events higher than the same driver without', async () => {
    const rows = await sql<{ driver_id: number; score: number }[]>`SELECT driver_id, score FROM risk_scores WHERE driver_id IN (${calm.driverId}, ${harsh.driverId})`;
    const score = (d: TestDriver) => Number(rows.find((r) => r.driver_id === d.driverId)?.score);
    expect(score(harsh)).toBeGreaterThan(score(calm));
  });

  it('stores a premium whose breakdown multiplies out, with its factors inputs and bounds', async () => {
    const [p] = await sql<{ base_amount: number; risk_factor: number; usage_factor: number; final_amount: number; score: number; details: Record<string, unknown>; risk_score_id: number }[]>`
      SELECT * FROM premiums WHERE driver_id = ${harsh.driverId}`;
    expect(p).toBeDefined();
    const premium = p as NonNullable<typeof p>;
    expect(Number(premium.base_amount)).toBe(100);
    expect(Number(premium.final_amount)).toBeCloseTo(Math.round(100 * Number(premium.risk_factor) * Number(premium.usage_factor) * 100) / 100, 2);
    expect(premium.details).toMatchObject({
      distance_km: expect.any(Number) as unknown,
      window_days: 90,
      risk_factor: { value: Number(premium.risk_factor), score: Number(premium.score), min: 0.7, max: 1.3 },
      usage_factor: { value: Number(premium.usage_factor), min: 0.8, max: 1.3, reference_monthly_km: 1000 },
      formula: expect.stringContaining('base_premium * risk_factor * usage_factor') as unknown,
    });
    const [s] = await sql<{ id: number; score: number }[]>`SELECT id, score FROM risk_scores WHERE driver_id = ${harsh.driverId}`;
    expect(premium.risk_score_id).toBe(s?.id);
  });

  it('rewrites the same rows when the same hour is run again, and refreshes no cache when nothing changed', async () => {
    const risk = createCache({ name: 'scoring_test_unchanged', ttl: 60_000, grace: 60_000 });
    let loads = 0;
    const read = () => risk.getOrLoad(String(calm.driverId), () => ++loads, { groups: [driverRiskGroup(calm.driverId), driverPremiumGroup(calm.driverId)] });
    await read();
    const before = { scores: await rowsOf('risk_scores'), premiums: await rowsOf('premiums') };
    const again = await scoreDrivers({ driverIds: ids, at: new Date(HOUR.getTime() + 59 * 60_000) });
    expect(again).toMatchObject({ run: HOUR.toISOString(), drivers: 3, premiums: 2, changed: 0 });
    const after = { scores: await rowsOf('risk_scores'), premiums: await rowsOf('premiums') };
    expect(after.scores.map((r) => [r.id, r.score])).toEqual(before.scores.map((r) => [r.id, r.score]));
    expect(after.premiums.map((r) => [r.id, r.final_amount])).toEqual(before.premiums.map((r) => [r.id, r.final_amount]));
    await read();
    expect(loads).toBe(1);
  });

  it("outdates a changed driver's risk and premium entries in every instance", async () => {
    const risk = createCache({ name: 'scoring_test_changed', ttl: 60_000, grace: 60_000 });
    let loads = 0;
    const read = () => risk.getOrLoad(String(calm.driverId), () => ++loads, { groups: [driverRiskGroup(calm.driverId)] });
    await read();
    // The calm driver starts driving harshly: the next hour's run changes the score.
    await addTrips(calm, [{ startedAt: new Date(HOUR.getTime() + 10 * 60_000), km: 5, harsh: 40 }]);
    const next = await scoreDrivers({ driverIds: [calm.driverId], at: new Date(HOUR.getTime() + 3_600_000) });
    expect(next).toMatchObject({ drivers: 1, changed: 1 });
    expect(await read()).toBe(2);
    const [count] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM risk_scores WHERE driver_id = ${calm.driverId}`;
    expect(count?.n).toBe(2);
  });

  it('warms the changed drivers: the risk and premium routes then serve the new score and price without a query', async () => {
    await addTrips(calm, [{ startedAt: new Date(HOUR.getTime() + 70 * 60_000), km: 5, harsh: 60 }]);
    const run = await scoreDrivers({ driverIds: [calm.driverId], at: new Date(HOUR.getTime() + 2 * 3_600_000) });
    expect(run.changed).toBe(1);
    const [latest] = await sql<{ score: number; final_amount: number }[]>`
      SELECT r.score, p.final_amount FROM risk_scores r JOIN premiums p ON p.risk_score_id = r.id
      WHERE r.driver_id = ${calm.driverId} ORDER BY r.scored_at DESC, r.id DESC LIMIT 1`;
    const queries: string[] = [];
    const stop = onQueryTiming((t) => queries.push(t.name));
    const admin = adminPrincipal;
    try {
      const [score, premium] = await Promise.all([getRiskScore(admin, calm.driverId), getPremium(admin, calm.driverId)]);
      expect(Number(score.score)).toBe(Number(latest?.score));
      expect(score.reasons.length).toBeGreaterThan(0);
      expect(Number(premium.final_amount)).toBe(Number(latest?.final_amount));
    } finally {
      stop();
    }
    expect(queries).toEqual([]);

    // The warmed entries are byte for byte what the routes load from the database (same rows, same
    // columns, same JSON key order): dropped from Redis, the same routes load them again.
    const redis = rawRedis();
    try {
      const entry = async (cache: string) => {
        const stored = await redis.get(`${prefix}:${cache}:current:${calm.driverId}`);
        return stored?.slice(stored.indexOf('{'));
      };
      const warmed = { risk: await entry('risk'), premiums: await entry('premiums') };
      expect(warmed.risk).toContain(`"driver_id":${calm.driverId}`);
      expect(warmed.premiums).toContain(`"driver_id":${calm.driverId}`);
      await redis.del(`${prefix}:risk:current:${calm.driverId}`, `${prefix}:premiums:current:${calm.driverId}`);
      riskCache.clearL1();
      premiumsCache.clearL1();
      await Promise.all([getRiskScore(admin, calm.driverId), getPremium(admin, calm.driverId)]);
      expect(await entry('risk')).toBe(warmed.risk);
      expect(await entry('premiums')).toBe(warmed.premiums);
    } finally {
      redis.disconnect();
    }
  });
});

describe('the score-drivers handler', () => {
  const context = { awsRequestId: randomUUID(), functionName: 'score-drivers' } as Context;

  it('scores the drivers of an on-demand event for the hour of its time', async () => {
    const report = await handler({ driver_ids: [unpriced.driverId], time: HOUR.toISOString() }, context);
    expect(report).toMatchObject({ run: HOUR.toISOString(), drivers: 1, premiums: 0 });
  });

  it('refuses an event it cannot read, naming the field', async () => {
    await expect(handler({ driver_ids: [1, -2] }, context)).rejects.toBeInstanceOf(ValidationError);
    await expect(handler({ driver_ids: 'all' }, context)).rejects.toThrow(/driver_ids/);
    await expect(handler({ time: 'yesterday' }, context)).rejects.toThrow(/time/);
  });
});

describe('the features window', () => {
  it('counts exactly the finished trips started in [hour - window, hour): whole days from the rollup, the partial days at both ends from trips', async () => {
    const edges = await createTestDriver(sql);
    drivers.push(edges);
    const from = HOUR.getTime() - 90 * DAY_MS;
    const at = (ms: number, km: number): Trip => ({ startedAt: new Date(ms), km, harsh: 0 });
    // Inside: a minute after the start (partial first day), the first whole day, a middle day, the
    // last whole day, a minute before the end (partial last day). Outside: a minute before the start, the end itself.
    await addTrips(edges, [
      at(from + 60_000, 1), at(Math.ceil(from / DAY_MS) * DAY_MS, 2), at(from + 45 * DAY_MS, 4),
      at(Math.floor(HOUR.getTime() / DAY_MS) * DAY_MS - 60_000, 8), at(HOUR.getTime() - 60_000, 16),
      at(from - 60_000, 32), at(HOUR.getTime(), 64),
    ]);

    const [features] = await listDriverFeatures({ end: HOUR.toISOString(), days: 90, driverIds: [edges.driverId] });

    expect(features).toMatchObject({ driver_id: edges.driverId, trips: 5 });
    expect(Number(features?.distance_km)).toBe(1 + 2 + 4 + 8 + 16);
  });
});
