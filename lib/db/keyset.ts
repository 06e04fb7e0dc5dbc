import type { Fragment } from 'postgres';
import type { Sql, TransactionSql } from './client.js';

/**
 * `column` (a timestamptz) as the exact UTC text a keyset cursor carries, microseconds included,
 * e.g. `2030-06-01T12:00:00.123456Z` (the `cursorTimestamp` format of lib/pagination). Select it
 * `AS cursor_ts` and compare a key back with `${key}::text::timestamptz`: read as a JavaScript Date
 * or sent as one, the value would lose its microseconds and rows sharing a millisecond would be
 * skipped or repeated at a page boundary.
 */
export function cursorTimestampOf(sql: Sql | TransactionSql, column: string): Fragment {
  return sql`to_char(${sql(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}
