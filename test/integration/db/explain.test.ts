import type { Fragment } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardSql } from '../../../lib/dashboard/queries.js';
import { cursorTimestampOf, lookupSql, type Sql } from '../../../lib/db/index.js';
import { driverSql } from '../../../lib/drivers/queries.js';
import { eventSql } from '../../../lib/events/queries.js';
import { premiumSql } from '../../../lib/premiums/queries.js';
import { riskSql } from '../../../lib/risk/queries.js';
import { scoringSql } from '../../../lib/scoring/queries.js';
import type { DatasetShape } from '../../../lib/seed/index.js';
import { driverDailySql, MAX_TRIP_EVENTS, tripSql } from '../../../lib/trips/queries.js';
import { ensureDataset, testSql } from '../../helpers/db.js';

/**
 * Plans every hot query of the product (the statements of lib/<domain>/queries.ts themselves, with
 * real ids and periods) over a 1000-driver synthetic dataset plus a week of risk scores (four a
 * day) and daily premiums per driver, after ANALYZE and with the planner's settings untouched. Each query
 * names the indexes it must use (partition indexes count as the partitioned index they belong to);
 * the check fails on a missing one and on any sequential scan of a large table. The check is shown
 * to work: with each expected index dropped (inside a transaction that is rolled back), it flags
 * every query that expects that index.
 *
 * The dataset ends on a fixed mid-month date, so every run plans the same data and partitions
 * (a week inside one month), and it is seeded only when the test database does not hold it yet.
 *
 * Adding a query: one `hot(name, build, ...indexes)` line in HOT_QUERIES. An expected index written
 * `a|b` is satisfied by either (where the planner's choice depends on the collation, say).
 */

const DATASET: DatasetShape = { drivers: 1000, days: 7, seed: 42, end: new Date('2026-11-15T00:00:00Z'), sampleIntervalS: 15 };
const DAY_MS = 86_400_000;
/** Rows this file adds to risk_scores (and the premiums priced from them), told apart by their model version. */
const MODEL_VERSION = 'explain-test';
/** Tables that grow with drivers x time: never read whole by a product query. */
const LARGE_TABLES = [/^trips$/, /^telematics_events(_|$)/, /^risk_scores$/, /^premiums$/];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Index Cond'?: string;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

function describePlan(plan: PlanNode): string {
  return nodesOf(plan)
    .map((n) => [n['Node Type'], n['Relation Name'] && `on ${n['Relation Name']}`, n['Index Name'] && `using ${n['Index Name']}`].filter(Boolean).join(' '))
    .join(' > ');
}

/**
 * What is wrong with a plan: a sequential scan of a large table, or an expected index it does not
 * use. `parentIndex` maps a partition's index to the partitioned index it was created from.
 */
function planProblems(plan: PlanNode, expectedIndexes: readonly string[], parentIndex: ReadonlyMap<string, string>): string[] {
  const nodes = nodesOf(plan);
  const scans = nodes
    .filter((n) => n['Node Type'] === 'Seq Scan' && LARGE_TABLES.some((table) => table.test(n['Relation Name'] ?? '')))
    .map((n) => `sequential scan of ${n['Relation Name']}`);
  const used = new Set(nodes.flatMap((n) => (n['Index Name'] ? [parentIndex.get(n['Index Name']) ?? n['Index Name']] : [])));
  const missing = expectedIndexes.filter((expected) => !expected.split('|').some((index) => used.has(index)));
  return [...scans, ...missing.map((expected) => `does not use ${expected}`)];
}

async function explain(sql: Sql, query: Fragment): Promise<PlanNode> {
  const [row] = await sql<{ 'QUERY PLAN': { Plan: PlanNode }[] }[]>`EXPLAIN (FORMAT JSON) ${query}`;
  const plan = row?.['QUERY PLAN'][0]?.Plan;
  if (!plan) throw new Error('EXPLAIN returned no plan');
  return plan;
}

/** Each partition's index -> the partitioned index it belongs to. */
async function partitionIndexParents(sql: Sql): Promise<Map<string, string>> {
  const rows = await sql<{ child: string; parent: string }[]>`
    SELECT c.relname AS child, p.relname AS parent
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
    WHERE c.relkind = 'i'`;
  return new Map(rows.map((r) => [r.child, r.parent]));
}

const SCORES_PER_DAY = 4;
/** A scoring run's hour inside the dataset's last day, so the features window has partial days at both ends. */
const MID_DAY = new Date(DATASET.end.getTime() - 10 * 3_600_000).toISOString();

/**
 * Risk scores every 6 hours and a daily premium for every driver over the dataset's week. Like the
 * dataset itself they stay in the test database for the next run (inserting them costs seconds,
 * deleting them many more, as every deleted score is checked against premiums' foreign key), and
 * are written again only when missing or incomplete (after a reseed, say).
 */
async function ensureScoresAndPremiums(sql: Sql): Promise<void> {
  const expected = { scores: DATASET.drivers * DATASET.days * SCORES_PER_DAY, premiums: DATASET.drivers * DATASET.days };
  const [present] = await sql<{ scores: number; premiums: number }[]>`
    SELECT count(*)::int AS scores, (SELECT count(*)::int FROM premiums p JOIN risk_scores s ON s.id = p.risk_score_id WHERE s.model_version = ${MODEL_VERSION}) AS premiums
    FROM risk_scores WHERE model_version = ${MODEL_VERSION}`;
  if (present?.scores === expected.scores && present.premiums === expected.premiums) return;
  await sql`DELETE FROM premiums WHERE risk_score_id IN (SELECT id FROM risk_scores WHERE model_version = ${MODEL_VERSION})`;
  await sql`DELETE FROM risk_scores WHERE model_version = ${MODEL_VERSION}`;
  const from = new Date(DATASET.end.getTime() - DATASET.days * DAY_MS).toISOString();
  const to = DATASET.end.toISOString();
  await sql`
    INSERT INTO risk_scores (driver_id, scored_at, score, model_version)
    SELECT d.id, t, round((random() * 100)::numeric, 2), ${MODEL_VERSION}
    FROM drivers d CROSS JOIN generate_series(${from}::text::timestamptz, ${to}::text::timestamptz - interval '1 second', ${`${24 / SCORES_PER_DAY} hours`}::interval) AS t`;
  await sql`
    INSERT INTO premiums (driver_id, risk_score_id, computed_at, base_amount, risk_factor, usage_factor, final_amount, score)
    SELECT r.driver_id, r.id, r.scored_at, 100, 1, 1, 100, r.score
    FROM risk_scores r
    WHERE r.model_version = ${MODEL_VERSION} AND extract(hour FROM r.scored_at AT TIME ZONE 'UTC') = 0`;
}

interface Fixture {
  driverId: number;
  /** A scoring run's worth of drivers (cache warming reads their current rows in one statement). */
  driverIds: number[];
  trip: { id: string; started_at: Date; ended_at: Date };
  /** Trips of an ingest batch's worth of drivers (the rollup refresh recomputes their days). */
  tripIds: string[];
  /** An older trip's keyset position, as a cursor carries it. */
  olderTrip: { id: string; cursor_ts: string };
  week: { from: string; to: string };
}

interface HotQuery {
  name: string;
  build: (sql: Sql) => Fragment;
  indexes: readonly string[];
}

// postgres.js's Fragment: any lazy query, whatever its row type, embeddable in another statement.
const hot = (name: string, build: (sql: Sql) => Fragment, ...indexes: string[]): HotQuery => ({ name, build, indexes });

describe('query plans over the 1000-driver dataset', () => {
  let sql: Sql;
  let fixture: Fixture;
  let parentIndex: Map<string, string>;

  beforeAll(async () => {
    await ensureDataset(DATASET);
    sql = testSql();
    await ensureScoresAndPremiums(sql);
    await sql`ANALYZE`;
    parentIndex = await partitionIndexParents(sql);
    // The busiest driver, its latest trip and an older one for a second keyset page.
    const [busiest] = await sql<{ driver_id: number }[]>`
      SELECT driver_id FROM trips GROUP BY driver_id ORDER BY count(*) DESC, driver_id LIMIT 1`;
    if (!busiest) throw new Error('the dataset has no trips');
    const trips = await sql<{ id: string; started_at: Date; ended_at: Date; cursor_ts: string }[]>`
      SELECT id, started_at, ended_at, ${cursorTimestampOf(sql, 'started_at')} AS cursor_ts
      FROM trips WHERE driver_id = ${busiest.driver_id} ORDER BY started_at DESC LIMIT 5`;
    const end = DATASET.end.getTime();
    const some = await sql<{ id: number }[]>`SELECT id FROM drivers ORDER BY id LIMIT 200`;
    const batchTrips = await sql<{ id: string }[]>`SELECT id FROM trips WHERE started_at >= ${new Date(end - DAY_MS).toISOString()}::text::timestamptz ORDER BY started_at LIMIT 50`;
    fixture = {
      driverId: busiest.driver_id,
      driverIds: some.map((row) => row.id),
      trip: trips[0] as Fixture['trip'],
      tripIds: batchTrips.map((row) => row.id),
      olderTrip: trips[4] ?? (trips[0] as Fixture['olderTrip']),
      week: { from: new Date(end - 7 * DAY_MS).toISOString(), to: new Date(end).toISOString() },
    };
  }, 300_000);

  afterAll(async () => {
    await sql?.end();
  });

  const SAFETY_TYPES = ['harsh_braking', 'harsh_acceleration', 'harsh_cornering', 'speeding'] as const;
  const LAST_EVENT_ID = 'ffffffff-ffff-7fff-bfff-ffffffffffff';

  const HOT_QUERIES: HotQuery[] = [
    hot('drivers list (newest first, page 3)', (s) => driverSql.list(s, { sort: 'created_at', order: 'desc', limit: 20, offset: 40 }), 'drivers_created_idx'),
    hot('drivers list (active, name prefix, by name)', (s) => driverSql.list(s, { active: true, namePrefix: 'an', sort: 'name', order: 'asc', limit: 20, offset: 0 }), 'drivers_name_idx|drivers_name_prefix_idx'),
    hot('drivers list total', (s) => driverSql.count(s, { active: true })),
    hot('drivers list in a risk band, by score', (s) => driverSql.list(s, { active: true, score: { from: 40, to: 70, toInclusive: false }, sort: 'risk_score', order: 'desc', limit: 20, offset: 0 }), 'risk_scores_driver_scored_idx'),
    hot('drivers list total in a risk band', (s) => driverSql.count(s, { active: true, score: { from: 70, to: 100, toInclusive: true } }), 'risk_scores_driver_scored_idx'),
    hot('current scores of many drivers (cache warming)', (s) => riskSql.currentOfMany(s, fixture.driverIds), 'risk_scores_driver_scored_idx'),
    hot('current premiums of many drivers (cache warming)', (s) => premiumSql.currentOfMany(s, fixture.driverIds), 'premiums_driver_computed_idx'),
    hot('driver detail', (s) => driverSql.detail(s, fixture.driverId), 'drivers_pkey', 'vehicles_driver_idx', 'policies_driver_idx'),
    hot('driver statistics (30 days)', (s) => driverSql.statistics(s, { driverId: fixture.driverId, from: new Date(Date.parse(fixture.week.to) - 30 * DAY_MS).toISOString(), to: fixture.week.to }), 'trips_driver_started_idx'),
    hot('trips of a driver (first page)', (s) => tripSql.byDriver(s, { driverId: fixture.driverId, limit: 21 }), 'trips_driver_started_idx'),
    hot('trips of a driver (next page)', (s) => tripSql.byDriver(s, { driverId: fixture.driverId, limit: 21, after: [fixture.olderTrip.cursor_ts, fixture.olderTrip.id] }), 'trips_driver_started_idx'),
    hot('one trip', (s) => tripSql.one(s, fixture.trip.id), 'trips_pkey'),
    hot('events of one trip', (s) => tripSql.events(s, { tripId: fixture.trip.id, from: fixture.trip.started_at, to: fixture.trip.ended_at, limit: MAX_TRIP_EVENTS }), 'telematics_events_trip_idx'),
    hot('events of a driver in a week (first page)', (s) => eventSql.byDriver(s, { driverId: fixture.driverId, ...fixture.week, limit: 51 }), 'telematics_events_driver_ts_idx'),
    hot('safety events of a driver in a week (next page)', (s) => eventSql.byDriver(s, { driverId: fixture.driverId, ...fixture.week, types: [...SAFETY_TYPES], limit: 51, after: [fixture.olderTrip.cursor_ts, LAST_EVENT_ID] }), 'telematics_events_driver_ts_idx'),
    hot('events in the last minute (metrics)', (s) => eventSql.countInPeriod(s, { from: new Date(DATASET.end.getTime() - 60_000), to: DATASET.end }), 'telematics_events_ts_brin'),
    hot('current risk score', (s) => riskSql.current(s, fixture.driverId), 'risk_scores_driver_scored_idx'),
    hot('risk score history (first page)', (s) => riskSql.history(s, { driverId: fixture.driverId, limit: 21 }), 'risk_scores_driver_scored_idx'),
    hot('risk score history (next page)', (s) => riskSql.history(s, { driverId: fixture.driverId, limit: 21, after: ['2026-11-10T00:00:00.000000Z', 9_000_000] }), 'risk_scores_driver_scored_idx'),
    hot('current premium', (s) => premiumSql.current(s, fixture.driverId), 'premiums_driver_computed_idx'),
    hot('dashboard summary (last 24 hours)', (s) => dashboardSql.summary(s, { from: new Date(Date.parse(fixture.week.to) - DAY_MS).toISOString(), to: fixture.week.to }), 'trips_started_idx', 'trips_active_idx', 'risk_scores_driver_scored_idx'),
    hot('dashboard trip activity per day (a week)', (s) => dashboardSql.dailyActivity(s, fixture.week), 'trips_started_idx'),
    // The hourly run reads the window's rows of every driver from driver_daily (a sequential scan of
    // the narrow rollup is its plan: driver_daily is not a large table here) and the partial days at
    // the window's ends from trips by their start time.
    hot('scoring features of every driver (hourly run, mid-day)', (s) => scoringSql.features(s, { end: MID_DAY, days: 90 }), 'trips_started_idx', 'policies_driver_idx', 'risk_scores_driver_scored_idx', 'premiums_driver_computed_idx'),
    hot('scoring features of some drivers (on demand, mid-day)', (s) => scoringSql.features(s, { end: MID_DAY, days: 90, driverIds: fixture.driverIds.slice(0, 5) }), 'driver_daily_pkey', 'trips_driver_started_idx|trips_started_idx'),
    hot('driver_daily refresh of an ingest batch\'s trips', (s) => driverDailySql.refresh(s, fixture.tripIds), 'trips_pkey', 'trips_driver_started_idx'),
    hot('dashboard risk distribution', (s) => dashboardSql.riskDistribution(s), 'risk_scores_driver_scored_idx'),
    hot('dashboard safety events breakdown (a week)', (s) => dashboardSql.safetyEvents(s, fixture.week), 'telematics_events_safety_idx'),
    hot('owners of the trips of a push subscription', (s) => lookupSql.tripOwners(s, [fixture.trip.id, fixture.olderTrip.id]), 'trips_pkey'),
  ];

  it.each(HOT_QUERIES.map((q) => [q.name, q] as const))('plans "%s" with its indexes and no sequential scan of a large table', async (_name, query) => {
    const plan = await explain(sql, query.build(sql));

    expect(planProblems(plan, query.indexes, parentIndex), `plan: ${describePlan(plan)}`).toEqual([]);
  });

  // Next pages of the keyset lists: the cursor's timestamp (text cast in SQL) must bound the scan of the composite index.
  const keysetNextPages: [string, (sql: Sql) => Fragment, RegExp][] = [
    [
      'trips of a driver (next page)',
      (s) => tripSql.byDriver(s, { driverId: fixture.driverId, limit: 21, after: [fixture.olderTrip.cursor_ts, fixture.olderTrip.id] }),
      /^trips_driver_started_idx$/,
    ],
    [
      'events of a driver in a week (next page)',
      (s) => eventSql.byDriver(s, { driverId: fixture.driverId, ...fixture.week, limit: 51, after: [fixture.olderTrip.cursor_ts, LAST_EVENT_ID] }),
      /^telematics_events_\w+_driver_id_ts_idx$/,
    ],
  ];

  it.each(keysetNextPages)('reads "%s" from the composite index, starting at the cursor', async (_name, build, index) => {
    const plan = await explain(sql, build(sql));

    const scans = nodesOf(plan).filter((n) => index.test(n['Index Name'] ?? ''));
    expect(scans, `plan: ${describePlan(plan)}`).not.toEqual([]);
    expect(scans.every((n) => n['Index Cond']?.includes(fixture.olderTrip.cursor_ts)), `plan: ${describePlan(plan)}`).toBe(true);
  });

  // The check can fail: without an index, every query that expects it is flagged.
  const EXPECTED_INDEXES = [...new Set(HOT_QUERIES.flatMap((q) => q.indexes))].sort();

  it.each(EXPECTED_INDEXES)('flags every query that needs %s once it is dropped (in a transaction, rolled back)', async (index) => {
    const needing = HOT_QUERIES.filter((q) => q.indexes.includes(index));
    const flagged = await withoutIndexes(sql, index.split('|'), async (tx) => {
      const problems: Record<string, string[]> = {};
      for (const query of needing) problems[query.name] = planProblems(await explain(tx, query.build(tx)), query.indexes, parentIndex);
      return problems;
    });

    for (const query of needing) expect(flagged[query.name], query.name).toContain(`does not use ${index}`);
    // Rolled back: the index is there again for every other test.
    for (const name of index.split('|')) {
      const [kept] = await sql<{ present: boolean }[]>`SELECT to_regclass(${name}) IS NOT NULL AS present`;
      expect(kept?.present, name).toBe(true);
    }
  });

  it('flags a sequential scan of a large table', async () => {
    const plan = await explain(sql, sql`SELECT count(*) FROM trips WHERE distance_km > 0`);

    expect(planProblems(plan, [], parentIndex)).toEqual(['sequential scan of trips']);
  });
});

/**
 * Runs `fn` in a transaction in which `indexes` do not exist (a constraint's index is dropped with
 * its constraint), then rolls back. DROP INDEX locks the table until then: the test files run one
 * at a time, so nobody waits for it but this file.
 */
async function withoutIndexes<T>(sql: Sql, indexes: readonly string[], fn: (tx: Sql) => Promise<T>): Promise<T> {
  const rollback = new Error('rollback');
  let result: T | undefined;
  try {
    await sql.begin(async (tx) => {
      for (const index of indexes) {
        const [constraint] = await tx<{ table: string; name: string }[]>`
          SELECT conrelid::regclass::text AS table, conname AS name FROM pg_constraint WHERE conindid = to_regclass(${index}) AND contype IN ('p', 'u')`;
        if (constraint) await tx`ALTER TABLE ${tx(constraint.table)} DROP CONSTRAINT ${tx(constraint.name)} CASCADE`;
        else await tx`DROP INDEX ${tx(index)}`;
      }
      result = await fn(tx as unknown as Sql);
      throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  }
  return result as T;
}
