/**
 * The L2 (Redis) representation of one cached value: a short text header followed by the value's
 * JSON, so the value is serialized exactly once and a reader can reject an outdated entry (wrong
 * group versions) without parsing the value at all.
 *
 *   1|<freshUntil epoch ms>|<group versions, comma separated>|<value JSON>
 *
 * `1` is the format version: a reader treats any other format as a miss, so the layout can change
 * with a rolling deploy. Group versions are listed in the order of the `groups` option of the call
 * that stored the entry.
 */

const FORMAT = '1';
const SEPARATOR = '|';

export interface StoredEntry {
  /** Wall-clock time (epoch ms) until which the entry is fresh; after it, only grace may serve it. */
  freshUntil: number;
  /** The versions of the entry's groups when its value was loaded. */
  groupVersions: string;
  json: string;
}

export function encodeEntry(json: string, freshUntil: number, groupVersions: string): string {
  return `${FORMAT}${SEPARATOR}${freshUntil}${SEPARATOR}${groupVersions}${SEPARATOR}${json}`;
}

export function decodeEntry(raw: string | null | undefined): StoredEntry | undefined {
  if (!raw || !raw.startsWith(FORMAT + SEPARATOR)) return undefined;
  const timeEnd = raw.indexOf(SEPARATOR, FORMAT.length + 1);
  if (timeEnd < 0) return undefined;
  const versionsEnd = raw.indexOf(SEPARATOR, timeEnd + 1);
  if (versionsEnd < 0) return undefined;
  const freshUntil = Number(raw.slice(FORMAT.length + 1, timeEnd));
  if (!Number.isFinite(freshUntil)) return undefined;
  return { freshUntil, groupVersions: raw.slice(timeEnd + 1, versionsEnd), json: raw.slice(versionsEnd + 1) };
}

/**
 * The part of a raw L2 entry before the value (format, expiry, group versions), which tells one
 * stored entry from another without the value; '' for a missing entry. An entry in another
 * format is returned whole.
 */
export function entryHeader(raw: string | null | undefined): string {
  if (!raw) return '';
  const entry = decodeEntry(raw);
  return entry ? raw.slice(0, raw.length - entry.json.length) : raw;
}

/** Group versions as read with MGET (a missing version key means version 0), joined for comparison. */
export function joinGroupVersions(versions: readonly (string | null)[]): string {
  let joined = '';
  for (let i = 0; i < versions.length; i++) joined += (i === 0 ? '' : ',') + (versions[i] ?? '0');
  return joined;
}
