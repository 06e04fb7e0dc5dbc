import type { Fragment } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardSql } from '../../../lib/dashboard/queries.js';
import { cursorTimestampOf, type Sql } from '../../../lib/db/index.js';
import { driverSql } from '../../../lib/drivers/queries.js';
import { eventSql } from '../../../lib/events/queries.js';
import { premiumSql } from '../../../lib/premiums/queries.js';
import { riskSql } from '../../../lib/risk/queries.js';
import { startOfUtcDay, type DatasetShape } from '../../../lib/seed/index.js';
import { MAX_TRIP_EVENTS, tripSql } from '../../../lib/trips/queries.js';
import { ensureDataset, testSql } from '../../helpers/db.js';

/**
 * Plans every hot query of the product (the statements of lib/<domain>/queries.ts themselves, with
 * real ids and periods) over a 1000-driver synthetic dataset, after ANALYZE and with the planner's
 * settings untouched, and fails on a sequential scan of trips or of any telematics_events partition.
 * The dataset is seeded on the first run of the day and reused after that.
 */

const DATASET: DatasetShape = { drivers: 1000, days: 7, seed: 42, end: startOfUtcDay(), sampleIntervalS: 15 };
const DAY_MS = 86_400_000;

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

const isGuarded = (relation: string | undefined) => relation === 'trips' || /^telematics_events(_|$)/.test(relation ?? '');

function sequentialScansOfGuardedTables(plan: PlanNode): string[] {
  return nodesOf(plan)
    .filter((n) => n['Node Type'] === 'Seq Scan' && isGuarded(n['Relation Name']))
    .map((n) => n['Relation Name'] as string);
}

async function explain(sql: Sql, query: Fragment): Promise<PlanNode> {
  const [row] = await sql<{ 'QUERY PLAN': { Plan: PlanNode }[] }[]>`EXPLAIN (FORMAT JSON) ${query}`;
  const plan = row?.['QUERY PLAN'][0]?.Plan;
  if (!plan) throw new Error('EXPLAIN returned no plan');
  return plan;
}

interface Fixture {
  driverId: number;
  trip: { id: string; started_at: Date; ended_at: Date };
  /** An older trip's keyset position, as a cursor carries it. */
  olderTrip: { id: string; cursor_ts: string };
  week: { from: string; to: string };
}

describe('query plans over the 1000-driver dataset', () => {
  let sql: Sql;
  let fixture: Fixture;

  beforeAll(async () => {
    await ensureDataset(DATASET);
    sql = testSql();
    await sql`ANALYZE`;
    // The busiest driver, its latest trip and an older one for a second keyset page.
    const [busiest] = await sql<{ driver_id: number }[]>`
      SELECT driver_id FROM trips GROUP BY driver_id ORDER BY count(*) DESC, driver_id LIMIT 1`;
    if (!busiest) throw new Error('the dataset has no trips');
    const trips = await sql<{ id: string; started_at: Date; ended_at: Date; cursor_ts: string }[]>`
      SELECT id, started_at, ended_at, ${cursorTimestampOf(sql, 'started_at')} AS cursor_ts
      FROM trips WHERE driver_id = ${busiest.driver_id} ORDER BY started_at DESC LIMIT 5`;
    const end = DATASET.end.getTime();
    fixture = {
      driverId: busiest.driver_id,
      trip: trips[0] as Fixture['trip'],
      olderTrip: trips[4] ?? (trips[0] as Fixture['olderTrip']),
      week: { from: new Date(end - 7 * DAY_MS).toISOString(), to: new Date(end).toISOString() },
    };
  }, 300_000);

  afterAll(async () => {
    await sql?.end();
  });

  // postgres.js's Fragment: any lazy query, whatever its row type, embeddable in another statement.
  const hotQueries: [string, (sql: Sql) => Fragment][] = [
    ['drivers list (newest first, page 3)', (s) => driverSql.list(s, { sort: 'created_at', order: 'desc', limit: 20, offset: 40 })],
    ['drivers list (active, name prefix, by name)', (s) => driverSql.list(s, { active: true, namePrefix: 'an', sort: 'name', order: 'asc', limit: 20, offset: 0 })],
    ['drivers list total', (s) => driverSql.count(s, { active: true })],
    ['driver detail', (s) => driverSql.detail(s, fixture.driverId)],
    ['driver statistics (30 days)', (s) => driverSql.statistics(s, { driverId: fixture.driverId, from: new Date(Date.parse(fixture.week.to) - 30 * DAY_MS).toISOString(), to: fixture.week.to })],
    ['trips of a driver (first page)', (s) => tripSql.byDriver(s, { driverId: fixture.driverId, limit: 21 })],
    ['trips of a driver (next page)', (s) => tripSql.byDriver(s, { driverId: fixture.driverId, limit: 21, after: [fixture.olderTrip.cursor_ts, fixture.olderTrip.id] })],
    ['one trip', (s) => tripSql.one(s, fixture.trip.id)],
    ['events of one trip', (s) => tripSql.events(s, { tripId: fixture.trip.id, from: fixture.trip.started_at, to: fixture.trip.ended_at, limit: MAX_TRIP_EVENTS })],
    ['events of a driver in a week (first page)', (s) => eventSql.byDriver(s, { driverId: fixture.driverId, ...fixture.week, limit: 51 })],
    [
      'safety events of a driver in a week (next page)',
      (s) => eventSql.byDriver(s, {
        driverId: fixture.driverId,
        ...fixture.week,
        types: ['harsh_braking', 'harsh_acceleration', 'harsh_cornering', 'speeding'],
        limit: 51,
        after: [fixture.olderTrip.cursor_ts, 'ffffffff-ffff-7fff-bfff-ffffffffffff'],
      }),
    ],
    ['events in the last minute (metrics)', (s) => eventSql.countInPeriod(s, { from: new Date(Date.now() - 60_000), to: new Date() })],
    ['current risk score', (s) => riskSql.current(s, fixture.driverId)],
    ['risk score history (first page)', (s) => riskSql.history(s, { driverId: fixture.driverId, limit: 21 })],
    ['risk score history (next page)', (s) => riskSql.history(s, { driverId: fixture.driverId, limit: 21, after: ['2030-01-01T00:00:00.000000Z', 9_000_000] })],
    ['current premium', (s) => premiumSql.current(s, fixture.driverId)],
    ['dashboard summary (last 24 hours)', (s) => dashboardSql.summary(s, { from: new Date(Date.parse(fixture.week.to) - DAY_MS).toISOString(), to: fixture.week.to })],
    ['dashboard trip activity per day (a week)', (s) => dashboardSql.dailyActivity(s, fixture.week)],
    ['dashboard risk distribution', (s) => dashboardSql.riskDistribution(s)],
    ['dashboard safety events breakdown (a week)', (s) => dashboardSql.safetyEvents(s, fixture.week)],
  ];

  it.each(hotQueries)('plans "%s" without a sequential scan of trips or telematics events', async (_name, build) => {
    const plan = await explain(sql, build(sql));

    expect(sequentialScansOfGuardedTables(plan), `plan: ${describePlan(plan)}`).toEqual([]);
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
      (s) => eventSql.byDriver(s, { driverId: fixture.driverId, ...fixture.week, limit: 51, after: [fixture.olderTrip.cursor_ts, 'ffffffff-ffff-7fff-bfff-ffffffffffff'] }),
      /^telematics_events_\w+_driver_id_ts_idx$/,
    ],
  ];

  it.each(keysetNextPages)('reads "%s" from the composite index, starting at the cursor', async (_name, build, index) => {
    const plan = await explain(sql, build(sql));

    const scans = nodesOf(plan).filter((n) => index.test(n['Index Name'] ?? ''));
    expect(scans, `plan: ${describePlan(plan)}`).not.toEqual([]);
    expect(scans.every((n) => n['Index Cond']?.includes(fixture.olderTrip.cursor_ts)), `plan: ${describePlan(plan)}`).toBe(true);
  });

  it('recognises a sequential scan when a query has no usable index', async () => {
    const plan = await explain(sql, sql`SELECT count(*) FROM trips WHERE distance_km > 0`);

    expect(sequentialScansOfGuardedTables(plan)).toEqual(['trips']);
  });
});
