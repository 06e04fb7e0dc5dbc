import { timedQuery, type Sql } from '../db/index.js';

/**
 * SQL of the fleet-wide gauges collect-metrics reads every minute. Each statement is written once
 * here, run by name through timedQuery, and planned as-is by test/integration/metrics/gauges-explain:
 * every one reads an index or a small table, never an event partition, except the default partition,
 * whose rows are what the default-rows gauge counts (it is meant to stay nearly empty; the count
 * stops at DEFAULT_ROWS_CAP so a flooded default partition cannot make the gauge expensive).
 */

export const DEFAULT_ROWS_CAP = 100_000;

/** Risk bands of a driver's latest score: [0, 40) low, [40, 70) medium, [70, 100] high. */
export const RISK_BANDS = [
  { band: 'low', from: 0, to: 40 },
  { band: 'medium', from: 40, to: 70 },
  { band: 'high', from: 70, to: 100.01 },
] as const;

export interface RiskGaugeRow {
  /** Mean of every driver's latest score; null before the first scoring run. */
  avg_score: number | null;
  low: number;
  medium: number;
  high: number;
}

export interface ConnectionsRow {
  /** Client connections of the whole server running a query or inside a transaction. */
  in_use: number;
  open: number;
  max: number;
}

/** Times travel as text: postgres.js Date parameters drop microseconds. */
export interface Window {
  from: string;
  to: string;
}

export const metricsSql = {
  activeDrivers: (sql: Sql) => sql<{ value: number }[]>`SELECT count(*)::int AS value FROM drivers WHERE active`,

  /** trips_active_idx holds only open trips. */
  activeTrips: (sql: Sql) => sql<{ value: number }[]>`SELECT count(*)::int AS value FROM trips WHERE ended_at IS NULL`,

  /** By device time (ts) through the BRIN index; only the partition of the window is read. */
  eventsInWindow: (sql: Sql, w: Window) => sql<{ value: number }[]>`
    SELECT count(*)::int AS value FROM telematics_events WHERE ts >= ${w.from}::timestamptz AND ts < ${w.to}::timestamptz`,

  /** Each driver's latest score, one index-only probe per driver on risk_scores_driver_scored_idx. */
  risk: (sql: Sql) => sql<RiskGaugeRow[]>`
    SELECT avg(s.score)::float8 AS avg_score,
           count(*) FILTER (WHERE s.score < ${RISK_BANDS[1].from})::int AS low,
           count(*) FILTER (WHERE s.score >= ${RISK_BANDS[1].from} AND s.score < ${RISK_BANDS[2].from})::int AS medium,
           count(*) FILTER (WHERE s.score >= ${RISK_BANDS[2].from})::int AS high
    FROM drivers d
    CROSS JOIN LATERAL (
      SELECT r.score FROM risk_scores r WHERE r.driver_id = d.id ORDER BY r.scored_at DESC, r.id DESC LIMIT 1
    ) s`,

  defaultRows: (sql: Sql) => sql<{ value: number }[]>`
    SELECT count(*)::int AS value FROM (SELECT 1 FROM telematics_events_default LIMIT ${DEFAULT_ROWS_CAP}) capped`,

  /** dead_letters_received_idx (migrations/006). */
  deadLetters: (sql: Sql, since: string) => sql<{ value: number }[]>`
    SELECT count(*)::int AS value FROM dead_letters WHERE received_at >= ${since}::timestamptz`,

  /** Server-wide, every database and client, as max_connections counts them. */
  connections: (sql: Sql) => sql<ConnectionsRow[]>`
    SELECT count(*) FILTER (WHERE state IS DISTINCT FROM 'idle')::int AS in_use,
           count(*)::int AS open,
           current_setting('max_connections')::int AS max
    FROM pg_stat_activity WHERE backend_type = 'client backend'`,
};

const single = async (rows: Promise<{ value: number }[]>) => (await rows)[0]?.value ?? 0;

export const readActiveDrivers = () => timedQuery('metrics.active_drivers', (sql) => single(metricsSql.activeDrivers(sql)));
export const readActiveTrips = () => timedQuery('metrics.active_trips', (sql) => single(metricsSql.activeTrips(sql)));
export const readEventsInWindow = (w: Window) => timedQuery('metrics.events_in_window', (sql) => single(metricsSql.eventsInWindow(sql, w)));
export const readDefaultRows = () => timedQuery('metrics.default_rows', (sql) => single(metricsSql.defaultRows(sql)));
export const readDeadLetters = (since: string) => timedQuery('metrics.dead_letters', (sql) => single(metricsSql.deadLetters(sql, since)));

export async function readRisk(): Promise<RiskGaugeRow> {
  const [row] = await timedQuery('metrics.risk', (sql) => metricsSql.risk(sql));
  return row ?? { avg_score: null, low: 0, medium: 0, high: 0 };
}

export async function readConnections(): Promise<ConnectionsRow> {
  const [row] = await timedQuery('metrics.connections', (sql) => metricsSql.connections(sql));
  if (!row) throw new Error('pg_stat_activity returned no row');
  return row;
}
