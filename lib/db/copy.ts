import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Sql, TransactionSql } from './client.js';

/**
 * Bulk loads in PostgreSQL's COPY text format: one line per row, tab-separated, `\N` for NULL,
 * backslash escapes. COPY is the cheapest way in for thousands of rows (no per-row statement, no
 * JSON document to parse and pick apart); jsonb columns take JSON text as it is.
 */

export type CopyCell = string | number | boolean | Date | null;

/** Escapes free text for a COPY text cell (backslash, tab, newline, carriage return). */
export function copyText(value: string): string {
  return /[\\\t\n\r]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : value;
}

function copyCell(value: CopyCell): string {
  if (value === null) return '\\N';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return copyText(value);
}

/** One row as a COPY text line (with its newline). */
export function copyLine(cells: readonly CopyCell[]): string {
  return `${cells.map(copyCell).join('\t')}\n`;
}

/** A table and the columns its COPY lines carry, in order. */
export interface CopyTarget {
  table: string;
  columns: readonly string[];
}

/**
 * Streams `lines` (COPY text lines, any number per item) into the target with one COPY ... FROM
 * STDIN, gathered into chunks of about 64 KB, with backpressure: a generator is only pulled as
 * fast as PostgreSQL accepts data.
 * postgres.js does not settle a COPY whose error arrives after the final chunk
 * (porsager/postgres#1173): callers write rows that the table's checks accept.
 */
export async function copyInto(sql: Sql | TransactionSql, target: CopyTarget, lines: Iterable<string> | AsyncIterable<string>): Promise<void> {
  const writable = await sql`COPY ${sql(target.table)} (${sql([...target.columns])}) FROM STDIN`.writable();
  await pipeline(Readable.from(chunked(lines), { objectMode: false }), writable);
}

/** About this much text per write: a message to the server per chunk, not per line. */
const COPY_CHUNK_CHARS = 64 * 1024;

/** The lines joined into chunks of about COPY_CHUNK_CHARS (COPY reads a byte stream; line breaks stay as they are). */
async function* chunked(lines: Iterable<string> | AsyncIterable<string>): AsyncGenerator<string> {
  let chunk = '';
  for await (const line of lines) {
    chunk += line;
    if (chunk.length >= COPY_CHUNK_CHARS) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk.length > 0) yield chunk;
}
