import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, getDb, type Sql } from '../../../lib/db/index.js';
import { ValidationError } from '../../../lib/errors/index.js';
import { cursorPage, decodeCursor, queryFingerprint, timestampUuidKey, type CursorPage } from '../../../lib/pagination/index.js';

/**
 * Keyset pagination on real PostgreSQL, on a table of our own in a throwaway schema: newest
 * first by (ts, event_id), with ties on ts and microsecond timestamps, as telematics events have.
 */

const schema = `pagination_test_${randomBytes(4).toString('hex')}`;
const ROUTE = 'GET /test/drivers/{driverId}/events';
const DRIVER_ROWS = 2000;

interface EventRow {
  event_id: string;
  seq: number;
  cursor_ts: string;
}

let sql: Sql;

/** One page of a driver's events, exactly as a repository function would read it. */
async function readEventsPage(driverId: number, limit: number, cursor?: string): Promise<CursorPage<EventRow>> {
  const fingerprint = queryFingerprint(ROUTE, { driverId });
  const after = decodeCursor(cursor, fingerprint, timestampUuidKey);
  const rows = await sql<EventRow[]>`
    SELECT event_id, seq, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts
    FROM ${sql(schema)}.events
    WHERE driver_id = ${driverId}
      ${after ? sql`AND (ts, event_id) < (${after[0]}::text::timestamptz, ${after[1]}::uuid)` : sql``}
    ORDER BY ts DESC, event_id DESC
    LIMIT ${limit + 1}
  `;
  return cursorPage(rows, limit, fingerprint, (row) => [row.cursor_ts, row.event_id]);
}

/** Seeded rows end at BASE_TS; rows added during a test are newer. */
const BASE_TS = '2030-06-01 12:00:00+00';
const FIRST_NEW_SEQ = 1_000_000;

/**
 * `DRIVER_ROWS` events of one driver, seq 1..DRIVER_ROWS. Groups of four rows share a millisecond
 * and three of them the same timestamp (the tie-breaker decides); the fourth is 7 us earlier, so
 * a cursor holding milliseconds would skip or repeat it.
 */
async function seedDriver(driverId: number): Promise<void> {
  await sql`
    INSERT INTO ${sql(schema)}.events (ts, event_id, driver_id, seq)
    SELECT ${BASE_TS}::timestamptz
             - (g / 4) * interval '1 millisecond'
             - CASE WHEN g % 4 = 3 THEN interval '7 microseconds' ELSE interval '0' END,
           gen_random_uuid(), ${driverId}, g
    FROM generate_series(1, ${DRIVER_ROWS}) AS g
  `;
}

let newSeq = FIRST_NEW_SEQ;

/** Events newer than every seeded one, as a device streaming now would add them. */
async function insertNewerEvents(driverId: number, count: number): Promise<void> {
  const first = newSeq;
  newSeq += count;
  await sql`
    INSERT INTO ${sql(schema)}.events (ts, event_id, driver_id, seq)
    SELECT ${BASE_TS}::timestamptz + (${first}::int - ${FIRST_NEW_SEQ}::int + g) * interval '1 millisecond', gen_random_uuid(), ${driverId}, ${first}::int + g
    FROM generate_series(1, ${count}) AS g
  `;
}

const isSeeded = (seq: number) => seq < FIRST_NEW_SEQ;
const seededSeqs = Array.from({ length: DRIVER_ROWS }, (_, i) => i + 1);

beforeAll(async () => {
  sql = getDb();
  await sql`CREATE SCHEMA ${sql(schema)}`;
  await sql`
    CREATE TABLE ${sql(schema)}.events (
      ts        timestamptz NOT NULL,
      event_id  uuid        NOT NULL,
      driver_id bigint      NOT NULL,
      seq       integer     NOT NULL,
      PRIMARY KEY (event_id, ts)
    )
  `;
  await sql`CREATE INDEX events_driver_ts ON ${sql(schema)}.events (driver_id, ts DESC, event_id DESC)`;
  // Driver 1 is only read; 2 gives "another query"; 3 and 4 receive inserts during their tests.
  for (const driverId of [1, 2, 3, 4]) await seedDriver(driverId);
  await sql`ANALYZE ${sql(schema)}.events`;
});

afterAll(async () => {
  await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`;
  await closeDb();
});

describe('keyset pagination on PostgreSQL', () => {
  it('walks every row exactly once, newest first', async () => {
    const seen: EventRow[] = [];
    let cursor: string | undefined;
    do {
      const page = await readEventsPage(1, 37, cursor);
      seen.push(...page.items);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);

    expect(seen).toHaveLength(DRIVER_ROWS);
    expect(new Set(seen.map((row) => row.event_id)).size).toBe(DRIVER_ROWS);
    expect(seen.map((row) => row.seq).sort((a, b) => a - b)).toEqual(seededSeqs);
    const keys = seen.map((row) => `${row.cursor_ts}|${row.event_id}`);
    expect(keys).toEqual([...keys].sort().reverse());
  });

  it('keeps later pages stable while newer rows are inserted during the walk', async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      // A concurrent writer adds newer events while each page is read.
      const [page] = await Promise.all([readEventsPage(3, 50, cursor), insertNewerEvents(3, 5)]);
      pages += 1;
      seen.push(...page.items.map((row) => row.seq));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);

    expect(pages).toBeGreaterThan(10);
    expect(seen.filter(isSeeded).sort((a, b) => a - b)).toEqual(seededSeqs);
    // Newer rows can only be on the first page (if the insert won the race), never later.
    const newerRowsAfterFirstPage = seen.slice(50).filter((seq) => !isSeeded(seq));
    expect(newerRowsAfterFirstPage).toEqual([]);
  });

  it('is needed: OFFSET paging over the same inserts repeats rows', async () => {
    const seen: number[] = [];
    for (let offset = 0; offset < 400; offset += 50) {
      const rows = await sql<Array<{ seq: number }>>`
        SELECT seq FROM ${sql(schema)}.events WHERE driver_id = 4 ORDER BY ts DESC, event_id DESC LIMIT 50 OFFSET ${offset}
      `;
      seen.push(...rows.map((row) => row.seq));
      await insertNewerEvents(4, 5);
    }

    expect(new Set(seen).size).toBeLessThan(seen.length);
  });

  it('refuses a cursor that was altered', async () => {
    const page = await readEventsPage(1, 10);
    const [payload = '', signature = ''] = (page.next_cursor ?? '').split('.');
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { k: [string, string]; q: string };
    const altered = Buffer.from(JSON.stringify({ ...decoded, k: ['2031-01-01T00:00:00.000000Z', decoded.k[1]] })).toString('base64url');

    const error = await readEventsPage(1, 10, `${altered}.${signature}`).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields).toEqual([{ field: 'query.cursor', message: 'is invalid or has been altered' }]);
  });

  it("refuses another query's cursor", async () => {
    const otherDriversPage = await readEventsPage(2, 10);

    const error = await readEventsPage(1, 10, otherDriversPage.next_cursor ?? undefined).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields[0]).toMatchObject({ field: 'query.cursor', message: expect.stringMatching(/different query/) as unknown });
  });

  it('reads a deep page through the composite index, without sorting', async () => {
    const deep = await readEventsPage(1, 20);
    const after = decodeCursor(deep.next_cursor ?? undefined, queryFingerprint(ROUTE, { driverId: 1 }), timestampUuidKey);
    expect(after).toBeDefined();

    const [plan] = await sql<Array<{ 'QUERY PLAN': unknown }>>`
      EXPLAIN (FORMAT JSON)
      SELECT event_id FROM ${sql(schema)}.events
      WHERE driver_id = ${1} AND (ts, event_id) < (${after![0]}::text::timestamptz, ${after![1]}::uuid)
      ORDER BY ts DESC, event_id DESC
      LIMIT 21
    `;
    const text = JSON.stringify(plan?.['QUERY PLAN']);

    expect(text).toMatch(/"Index Name":"events_driver_ts"/);
    expect(text).not.toMatch(/"Node Type":"Sort"|"Node Type":"Seq Scan"/);
  });
});
