import type { Fragment } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../../lib/db/index.js';
import { metricsSql } from '../../../lib/metrics/queries.js';
import { startOfUtcDay, type DatasetShape } from '../../../lib/seed/index.js';
import { ensureDataset, testSql } from '../../helpers/db.js';

/**
 * Plans the statements collect-metrics runs every minute (lib/metrics/queries.ts, as the code runs
 * them) over the 1000-driver dataset with a risk score history, after ANALYZE, and fails on a
 * sequential scan of trips or of any telematics_events partition. The one exception is the default
 * partition in the default-rows gauge: that gauge exists to count its rows (it is meant to stay
 * nearly empty, and the count is capped).
 */

const DATASET: DatasetShape = { drivers: 1000, days: 7, seed: 42, end: startOfUtcDay(), sampleIntervalS: 15 };
const MODEL = 'gauges-explain-test';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

const nodesOf = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];

function guardedSeqScans(plan: PlanNode, allowed: readonly string[] = []): string[] {
  return nodesOf(plan)
    .filter((n) => n['Node Type'] === 'Seq Scan')
    .map((n) => n['Relation Name'] ?? '')
    .filter((relation) => (relation === 'trips' || /^telematics_events(_|$)/.test(relation)) && !allowed.includes(relation));
}

async function explain(sql: Sql, query: Fragment): Promise<PlanNode> {
  const [row] = await sql<{ 'QUERY PLAN': { Plan: PlanNode }[] }[]>`EXPLAIN (FORMAT JSON) ${query}`;
  const plan = row?.['QUERY PLAN'][0]?.Plan;
  if (!plan) throw new Error('EXPLAIN returned no plan');
  return plan;
}

describe('collect-metrics gauge plans over the 1000-driver dataset', () => {
  let sql: Sql;
  const now = () => DATASET.end.toISOString();
  const minuteBefore = () => new Date(DATASET.end.getTime() - 60_000).toISOString();

  beforeAll(async () => {
    await ensureDataset(DATASET);
    sql = testSql();
    // Three scoring runs per driver, as the hourly scoring job would leave them.
    await sql`DELETE FROM risk_scores WHERE model_version = ${MODEL}`;
    await sql`
      INSERT INTO risk_scores (driver_id, score, model_version, scored_at)
      SELECT d.id, (d.id * 7 + run * 13) % 100, ${MODEL}, now() - run * interval '1 hour' FROM drivers d CROSS JOIN generate_series(0, 2) run`;
    await sql`ANALYZE`;
  }, 600_000);

  afterAll(async () => {
    await sql`DELETE FROM risk_scores WHERE model_version = ${MODEL}`;
    await sql.end({ timeout: 5 });
  });

  const statements: Array<[string, (sql: Sql) => Fragment, string[]?]> = [
    ['active drivers', (s) => metricsSql.activeDrivers(s)],
    ['active trips', (s) => metricsSql.activeTrips(s)],
    ['events in the last minute', (s) => metricsSql.eventsInWindow(s, { from: minuteBefore(), to: now() })],
    ['average risk and risk bands', (s) => metricsSql.risk(s)],
    ['rows in the default partition', (s) => metricsSql.defaultRows(s), ['telematics_events_default']],
    ['dead letters in the last hour', (s) => metricsSql.deadLetters(s, minuteBefore())],
    ['database connections', (s) => metricsSql.connections(s)],
  ];

  it.each(statements)('%s reads no event partition or trips sequentially', async (_name, statement, allowed) => {
    const plan = await explain(sql, statement(sql));
    expect(guardedSeqScans(plan, allowed)).toEqual([]);
  });

  it('the default-rows gauge touches no monthly partition', async () => {
    const plan = await explain(sql, metricsSql.defaultRows(sql));
    expect(nodesOf(plan).map((n) => n['Relation Name']).filter((r) => r?.startsWith('telematics_events_') && r !== 'telematics_events_default')).toEqual([]);
  });

  it('fails when the index a gauge relies on is gone (the guard can fail)', async () => {
    const scans = await sql
      .begin(async (tx) => {
        await tx`DROP INDEX trips_active_idx`;
        const plan = await explain(tx as unknown as Sql, metricsSql.activeTrips(tx as unknown as Sql));
        throw Object.assign(new Error('rollback'), { scans: guardedSeqScans(plan) });
      })
      .catch((error: { scans?: string[] }) => error.scans);
    expect(scans).toEqual(['trips']);
  });
});
