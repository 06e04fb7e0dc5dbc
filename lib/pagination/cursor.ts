import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { derivedKey } from '../auth/keys.js';
import { intParam, validationError } from '../validation/index.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './offset.js';

/**
 * Cursor (keyset) pagination for long, growing, newest-first lists such as telematics events.
 *
 * A page is read with a row comparison on the sort key and a unique tie-breaker, which a
 * composite index on the same columns serves directly, however deep the page:
 *
 *   WHERE driver_id = $1 AND (ts, event_id) < ($2::text::timestamptz, $3::uuid)
 *   ORDER BY ts DESC, event_id DESC
 *   LIMIT $limit + 1
 *
 * Rows inserted newer than the first page never shift later pages, unlike OFFSET.
 *
 * The cursor is opaque to clients and tamper-evident: base64url JSON of the last row's key and a
 * fingerprint of the query, followed by an HMAC-SHA256 of both. A cursor that was edited, or that
 * came from another query (other route or filters), is refused with a 400 naming `query.cursor`.
 *
 * Keys must carry the database's exact values, or rows sharing a millisecond are skipped at a page
 * boundary. PostgreSQL keeps microseconds; a JavaScript Date keeps milliseconds, and postgres.js
 * converts both ways: it reads timestamptz columns into Dates, and it serializes a parameter whose
 * type the server inferred as timestamptz through a Date. So select the key's timestamp as text,
 *   to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts
 * and pass it back as text cast in SQL (`$2::text::timestamptz`, not `$2::timestamptz`).
 */

/** Query parameters `limit` and `cursor`; routes extend it with their filters. */
export const cursorPaginationQuery = z.object({
  limit: intParam(1, MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE),
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,900}\.[A-Za-z0-9_-]{22}$/, { error: 'is not a cursor this API issued' })
    .optional()
    .describe("The previous page's `next_cursor`, unchanged (signed: an edited cursor, or one from other filters, is refused)."),
});

export type CursorParams = z.output<typeof cursorPaginationQuery>;

/** The sort key of the last row of a page, tie-breaker last, e.g. `[ts, event_id]`. */
export type KeysetKey = readonly (string | number)[];

/** What a keyset query reads: a page's size plus one (so `cursorPage` can tell whether a next page exists) after a key. */
export interface KeysetWindow<K extends KeysetKey> {
  limit: number;
  /** Keyset position of the last row of the previous page: only rows after it in sort order follow. */
  after?: K;
}

export interface CursorPage<T> {
  items: T[];
  limit: number;
  /** Pass back as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

/** A UTC timestamp with microseconds, as the `to_char` pattern above produces it. */
export const cursorTimestamp = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);

/** The key of (timestamp, uuid) keysets such as telematics events and trips. */
export const timestampUuidKey = z.tuple([cursorTimestamp, z.uuid()]);

const CURSOR_FORMAT = /^[A-Za-z0-9_-]{1,900}\.[A-Za-z0-9_-]{22}$/;
const MAC_BYTES = 16;

function mac(payload: string): Buffer {
  // A key of its own, so a cursor MAC can never stand in for a token signature.
  return createHmac('sha256', derivedKey('pagination-cursor/v1')).update(payload).digest().subarray(0, MAC_BYTES);
}

/** JSON with object keys sorted, so equal filters give equal text whatever their order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/**
 * Identifies a query: the route and every filter that decides which rows match and in what order
 * (not the page size, which may change between pages).
 */
export function queryFingerprint(route: string, filters: Readonly<Record<string, unknown>> = {}): string {
  return createHash('sha256').update(canonicalJson({ route, filters })).digest('base64url').slice(0, 22);
}

export function encodeCursor(key: KeysetKey, fingerprint: string): string {
  const payload = Buffer.from(JSON.stringify({ k: key, q: fingerprint })).toString('base64url');
  return `${payload}.${mac(payload).toString('base64url')}`;
}

const CursorPayload = z.object({ k: z.array(z.union([z.string(), z.number()])), q: z.string() });

function invalidCursor(message: string) {
  return validationError([{ field: 'query.cursor', message }]);
}

/**
 * The key inside `cursor`, or undefined for the first page (no cursor). Throws a 400 naming
 * `query.cursor` when the cursor was altered, belongs to another query, or does not fit `keySchema`.
 */
export function decodeCursor<K extends KeysetKey>(cursor: string | undefined, fingerprint: string, keySchema: z.ZodType<K>): K | undefined {
  if (cursor === undefined) return undefined;
  if (!CURSOR_FORMAT.test(cursor)) throw invalidCursor('is not a cursor this API issued');
  const [payload = '', signature = ''] = cursor.split('.');
  // Compared as text, so a non-canonical base64url spelling of the right MAC is refused too.
  if (!timingSafeEqual(Buffer.from(mac(payload).toString('base64url')), Buffer.from(signature))) throw invalidCursor('is invalid or has been altered');

  let decoded: z.output<typeof CursorPayload>;
  try {
    decoded = CursorPayload.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    throw invalidCursor('is not a cursor this API issued');
  }
  if (decoded.q !== fingerprint) throw invalidCursor('belongs to a different query; repeat the request without a cursor');
  const key = keySchema.safeParse(decoded.k);
  // A correctly signed cursor of another shape comes from an older version of this query.
  if (!key.success) throw invalidCursor('has expired; repeat the request without a cursor');
  return key.data;
}

/**
 * A page from rows read with `LIMIT limit + 1`: the extra row only tells whether there is a next
 * page; the cursor holds the key of the last row returned.
 */
export function cursorPage<T>(rows: readonly T[], limit: number, fingerprint: string, keyOf: (row: T) => KeysetKey): CursorPage<T> {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  const hasNext = rows.length > limit && last !== undefined;
  return { items, limit, next_cursor: hasNext ? encodeCursor(keyOf(last), fingerprint) : null };
}

/** The wire shape of a cursor page of `item`, for route documents. */
export function cursorPageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    limit: z.number().int().min(1).max(MAX_PAGE_SIZE),
    next_cursor: z.string().nullable().describe('Pass back as `cursor` for the next page; null on the last page.'),
  });
}
