import type { Sql, TransactionSql } from '../db/index.js';
import type { Month } from './months.js';

/**
 * SQL of partition maintenance, each statement written once as a function of the client. Table
 * names in DDL come from `partitionName()` (validated months), never from input; DDL takes no bind
 * parameters, so those statements are built with `sql.unsafe` from such names and ISO bounds only.
 */

export type ArchiveState = 'detached' | 'archived' | 'dropped' | 'restored';

export interface ArchiveRow {
  month: Month;
  partition_name: string;
  state: ArchiveState;
  bucket: string | null;
  data_key: string | null;
  manifest_key: string | null;
  row_count: number | null;
  sha256: string | null;
}

export interface PartitionStats {
  rows: number;
  /** ISO-8601 UTC with microseconds, null for an empty partition. */
  min_ts: string | null;
  max_ts: string | null;
}

type Client = Sql | TransactionSql;

/** Timestamps as exact UTC text: a Date would drop microseconds. */
const isoText = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export const partitionSql = {
  /** Children of telematics_events, the default partition included. */
  attached: (sql: Client) => sql<{ name: string }[]>`
    SELECT c.relname AS name
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'public.telematics_events'::regclass`,

  /** Monthly-named tables that are not (or no longer) attached: detached by a run that stopped before dropping them. */
  detachedMonthly: (sql: Client) => sql<{ name: string }[]>`
    SELECT c.relname AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname ~ '^telematics_events_[0-9]{4}_[0-9]{2}$' AND NOT c.relispartition`,

  tableExists: (sql: Client, name: string) => sql<{ exists: boolean }[]>`SELECT to_regclass(${`public.${name}`}) IS NOT NULL AS exists`,

  /** Rows waiting in the default partition, per month (it is meant to stay nearly empty). */
  defaultRowsByMonth: (sql: Client) => sql<{ month: Month; rows: number }[]>`
    SELECT to_char(date_trunc('month', ts AT TIME ZONE 'UTC'), 'YYYY-MM') AS month, count(*)::int AS rows
    FROM telematics_events_default GROUP BY 1 ORDER BY 1`,

  stats: (sql: Client, table: string) =>
    sql.unsafe<PartitionStats[]>(`SELECT count(*)::bigint AS rows, ${isoText('min(ts)')} AS min_ts, ${isoText('max(ts)')} AS max_ts FROM ${quote(table)}`),

  /** The archive's lines: one JSON object per row, in key order so the file is reproducible. */
  rowsAsJson: (sql: Client, table: string) => sql.unsafe<{ line: string }[]>(`SELECT row_to_json(t)::text AS line FROM ${quote(table)} t ORDER BY ts, event_id`),

  /** Column names and types of telematics_events, in order: the archive's self-description. */
  columns: (sql: Client) => sql<{ name: string; type: string }[]>`
    SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
    FROM pg_attribute a
    WHERE a.attrelid = 'public.telematics_events'::regclass AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attnum`,

  archives: (sql: Client) => sql<ArchiveRow[]>`
    SELECT to_char(month, 'YYYY-MM') AS month, partition_name, state, bucket, data_key, manifest_key, row_count, sha256
    FROM partition_archives ORDER BY month`,

  archive: (sql: Client, month: Month) => sql<ArchiveRow[]>`
    SELECT to_char(month, 'YYYY-MM') AS month, partition_name, state, bucket, data_key, manifest_key, row_count, sha256
    FROM partition_archives WHERE month = ${`${month}-01`}::date`,

  markDetached: (sql: Client, month: Month, partition: string) => sql`
    INSERT INTO partition_archives (month, partition_name, state) VALUES (${`${month}-01`}::date, ${partition}, 'detached')
    ON CONFLICT (month) DO UPDATE SET state = 'detached', updated_at = now()`,

  markArchived: (sql: Client, month: Month, a: { bucket: string; dataKey: string; manifestKey: string; rows: number; minTs: string | null; maxTs: string | null; sha256: string }) => sql`
    UPDATE partition_archives
    SET state = 'archived', bucket = ${a.bucket}, data_key = ${a.dataKey}, manifest_key = ${a.manifestKey}, row_count = ${a.rows},
        min_ts = ${a.minTs}::timestamptz, max_ts = ${a.maxTs}::timestamptz, sha256 = ${a.sha256}, updated_at = now()
    WHERE month = ${`${month}-01`}::date`,

  markState: (sql: Client, month: Month, state: ArchiveState) => sql`
    UPDATE partition_archives SET state = ${state}, updated_at = now() WHERE month = ${`${month}-01`}::date`,
};

/** A double-quoted identifier; our names are [a-z0-9_] only, checked here so nothing else ever reaches DDL. */
export function quote(identifier: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(identifier)) throw new Error(`refusing identifier "${identifier}" in DDL`);
  return `"${identifier}"`;
}

/** A timestamptz literal from a Date (UTC, ISO-8601). */
export function literal(at: Date): string {
  return `'${at.toISOString()}'`;
}
