import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { getObjectBytes, putObject } from '../storage/index.js';
import type { Month } from './months.js';

/**
 * The archive of one month of telematics_events in S3: a gzip'd NDJSON data object whose first
 * line describes the file (format, table, month, columns with their types) and whose other lines
 * are the rows as `row_to_json` wrote them; and a JSON manifest beside it with the row count, the
 * min/max ts and the SHA-256 of the data object. A restore checks all three before it writes a row.
 *
 * The data object is built in memory: a month of the reference fleet is tens of MB compressed,
 * within a maintenance Lambda's memory. A fleet whose months outgrow that needs a multipart upload.
 */

export const ARCHIVE_FORMAT = 'telematics-events-archive/1';

export interface ArchiveColumn {
  name: string;
  type: string;
}

export interface ArchiveHeader {
  format: typeof ARCHIVE_FORMAT;
  table: 'telematics_events';
  month: Month;
  columns: ArchiveColumn[];
}

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  table: 'telematics_events';
  month: Month;
  partition: string;
  /** Range of the partition: [from, to). */
  from: string;
  to: string;
  columns: ArchiveColumn[];
  rowCount: number;
  minTs: string | null;
  maxTs: string | null;
  /** Of the data object's bytes as stored (compressed). */
  sha256: string;
  bytes: number;
  dataKey: string;
  createdAt: string;
}

export interface ArchiveLocation {
  bucket: string;
  dataKey: string;
  manifestKey: string;
}

export class ArchiveVerificationError extends Error {
  override readonly name = 'ArchiveVerificationError';
}

export function archiveLocation(bucket: string, prefix: string, month: Month): ArchiveLocation {
  const [year, mm] = month.split('-');
  const base = `${prefix}telematics_events/${year}/${mm}/telematics_events_${year}_${mm}`;
  return { bucket, dataKey: `${base}.ndjson.gz`, manifestKey: `${base}.manifest.json` };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The compressed data object: header line, then one line per row. */
export function encodeArchive(header: ArchiveHeader, lines: readonly string[]): Uint8Array {
  return gzipSync(`${JSON.stringify(header)}\n${lines.map((line) => `${line}\n`).join('')}`);
}

/** Header and row lines of a data object; throws ArchiveVerificationError when it is not one of ours. */
export function decodeArchive(bytes: Uint8Array): { header: ArchiveHeader; lines: string[] } {
  const text = gunzipSync(bytes).toString('utf8');
  const [first, ...rest] = text.split('\n');
  if (rest.at(-1) === '') rest.pop();
  let parsed: { format?: unknown };
  try {
    parsed = JSON.parse(first ?? '') as { format?: unknown };
  } catch {
    throw new ArchiveVerificationError('archive data object has no JSON header line');
  }
  if (parsed.format !== ARCHIVE_FORMAT) throw new ArchiveVerificationError(`archive format ${JSON.stringify(parsed.format)} is not ${ARCHIVE_FORMAT}`);
  const header = parsed as ArchiveHeader;
  return { header, lines: rest };
}

/** Checks a data object against its manifest: checksum, header, row count. */
export function verifyArchive(bytes: Uint8Array, manifest: ArchiveManifest): { header: ArchiveHeader; lines: string[] } {
  const actual = sha256(bytes);
  if (actual !== manifest.sha256) throw new ArchiveVerificationError(`archive of ${manifest.month}: checksum ${actual} differs from the manifest's ${manifest.sha256}`);
  const decoded = decodeArchive(bytes);
  if (decoded.header.month !== manifest.month) throw new ArchiveVerificationError(`archive data is of ${decoded.header.month}, manifest of ${manifest.month}`);
  if (decoded.lines.length !== manifest.rowCount) {
    throw new ArchiveVerificationError(`archive of ${manifest.month}: ${decoded.lines.length} rows read back, manifest says ${manifest.rowCount}`);
  }
  return decoded;
}

/** Writes data then manifest, and reads both back to verify them before anyone may drop the rows. */
export async function writeArchive(location: ArchiveLocation, data: Uint8Array, manifest: ArchiveManifest): Promise<void> {
  await putObject(location.bucket, location.dataKey, data, 'application/gzip');
  await putObject(location.bucket, location.manifestKey, JSON.stringify(manifest, null, 2), 'application/json');
  const stored = await readManifest(location);
  if (stored.sha256 !== manifest.sha256 || stored.rowCount !== manifest.rowCount) throw new ArchiveVerificationError(`manifest of ${manifest.month} read back differs`);
  verifyArchive(await getObjectBytes(location.bucket, location.dataKey), stored);
}

export async function readManifest(location: ArchiveLocation): Promise<ArchiveManifest> {
  const bytes = await getObjectBytes(location.bucket, location.manifestKey);
  return JSON.parse(new TextDecoder().decode(bytes)) as ArchiveManifest;
}

/** The verified rows of an archived month. */
export async function readArchive(location: ArchiveLocation): Promise<{ manifest: ArchiveManifest; lines: string[] }> {
  const manifest = await readManifest(location);
  const { lines } = verifyArchive(await getObjectBytes(location.bucket, location.dataKey), manifest);
  return { manifest, lines };
}
