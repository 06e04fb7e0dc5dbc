import type { Fragment } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupSql, type Sql, type TransactionSql } from '../../../lib/db/index.js';
import { deadLetterSql, ingestSql } from '../../../lib/ingest/queries.js';
import { startOfUtcDay, type DatasetShape } from '../../../lib/seed/index.js';
import { ensureDataset, testSql } from '../../helpers/db.js';

/**
 * Plans the ingest path's statements (lib/ingest/queries.ts) over the same 1000-driver dataset as
 * test/integration/db/explain.test.ts, with a batch of new events of a real trip staged as the
 * ingest transaction stages it, and fails on a sequential scan of trips or of any
 * telematics_events partition: a batch's cost must depend on the trips it touches, not on the table.
 */

const DATASET: DatasetShape = { drivers: 1000, days: 7, seed: 42, end: startOfUtcDay(), sampleIntervalS: 15 };

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
/**
 * Trips and the event partitions that hold rows. The trip bounds come from the batch, so partitions
 * are pruned at run time, not in the plan: empty months stay in it, where a sequential scan of
 * nothing is the planner's right choice.
 */
let guarded = new Set<string>();
const sequentialScans = (plan: PlanNode) =>
  nodesOf(plan).filter((n) => n['Node Type'] === 'Seq Scan' && guarded.has(n['Relation Name'] ?? '')).map((n) => n['Relation Name']);

async function explain(sql: Sql | TransactionSql, query: Fragment): Promise<PlanNode> {
  const [row] = await sql<{ 'QUERY PLAN': { Plan: PlanNode }[] }[]>`EXPLAIN (FORMAT JSON) ${query}`;
  const plan = row?.['QUERY PLAN'][0]?.Plan;
  if (!plan) throw new Error('EXPLAIN returned no plan');
  return plan;
}

class Rollback extends Error {}

describe('ingest query plans over the 1000-driver dataset', () => {
  let sql: Sql;
  let trip: { id: string; vehicle_id: number };

  beforeAll(async () => {
    await ensureDataset(DATASET);
    sql = testSql();
    await sql`ANALYZE trips, telematics_events, vehicles, dead_letters`;
    const populated = await sql<{ relname: string }[]>`
      SELECT relname FROM pg_class WHERE relkind = 'r' AND (relname = 'trips' OR relname LIKE 'telematics\\_events\\_%') AND reltuples > 0`;
    guarded = new Set(populated.map((r) => r.relname));
    expect(guarded.size).toBeGreaterThan(1);
    const [busiest] = await sql<{ id: string; vehicle_id: number }[]>`SELECT id, vehicle_id FROM trips ORDER BY event_count DESC LIMIT 1`;
    if (!busiest) throw new Error('the dataset has no trips');
    trip = busiest;
  }, 300_000);

  afterAll(async () => {
    await sql?.end();
  });

  /** Runs `fn` in a transaction holding a staged batch (the trip's latest 100 events as "new"), then rolls back. */
  async function withStagedBatch(fn: (tx: TransactionSql) => Promise<void>): Promise<void> {
    await sql
      .begin(async (tx) => {
        await ingestSql.prepareStaging(tx);
        await tx`
          INSERT INTO ingest_stored
          SELECT event_id, ts, driver_id, vehicle_id, trip_id, event_type, lat, lon, speed_kmh
          FROM telematics_events WHERE trip_id = ${trip.id}::uuid ORDER BY ts DESC LIMIT 100`;
        await tx`ANALYZE ingest_stored`;
        await fn(tx);
        throw new Rollback();
      })
      .catch((error: unknown) => {
        if (!(error instanceof Rollback)) throw error;
      });
  }

  it('updates the touched trips without a sequential scan of trips or telematics events', async () => {
    await withStagedBatch(async (tx) => {
      const plan = await explain(tx, ingestSql.updateTrips(tx));
      expect(sequentialScans(plan)).toEqual([]);
    });
  });

  it('scans the trips events table when the trip index the update relies on is gone (the guard can fail)', async () => {
    await withStagedBatch(async (tx) => {
      await tx`DROP INDEX telematics_events_trip_idx`;
      await tx`SET LOCAL enable_bitmapscan = off`;
      const plan = await explain(tx, ingestSql.updateTrips(tx));
      expect(sequentialScans(plan).length).toBeGreaterThan(0);
    });
  });

  it.each([
    ['vehicle owners', (s: Sql) => ingestSql.vehicleOwners(s, [1, 2, 3])],
    ['trip owners', (s: Sql) => lookupSql.tripOwners(s, [trip.id])],
    ['dead letters of a code, next page', (s: Sql) => deadLetterSql.list(s, { code: 'schema_violation', beforeId: 1, limit: 20 })],
  ] as const)('plans "%s" without a sequential scan of trips or telematics events', async (_name, build) => {
    expect(sequentialScans(await explain(sql, build(sql)))).toEqual([]);
  });
});
