import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sql, TransactionSql } from './client.js';

/**
 * Bulk loads in PostgreSQL's COPY text format: one line per row, tab-separated, `\N` for NULL,
 * backslash escapes. COPY is the cheapest way in for thousands of rows (no per-row statement, no
 * JSON document to parse and pick apart); jsonb columns take JSON text as it is.
 */

export type CopyCell = string | number | boolean | null;

function copyCell(value: CopyCell): string {
  if (value === null) return '\\N';
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return /[\\\t\n\r]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : value;
}

/** One row as a COPY text line (with its newline). */
export function copyLine(cells: readonly CopyCell[]): string {
  return `${cells.map(copyCell).join('\t')}\n`;
}

/** Streams `lines` into `table`'s `columns` with one COPY ... FROM STDIN. */
export async function copyInto(sql: Sql | TransactionSql, table: string, columns: readonly string[], lines: Iterable<string>): Promise<void> {
  const writable = await sql`COPY ${sql(table)} (${sql([...columns])}) FROM STDIN`.writable();
  await pipeline(Readable.from(lines, { objectMode: false }), writable);
}
