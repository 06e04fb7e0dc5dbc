import { randomBytes } from 'node:crypto';
import type { Fragment } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { closeDb, getDb, type Sql } from '../../../lib/db/index.js';
import { ValidationError } from '../../../lib/errors/index.js';
import { eventKeyOf, listDriverEvents } from '../../../lib/events/queries.js';
import { cursorPage, decodeCursor, queryFingerprint, timestampUuidKey, type CursorPage, type KeysetKey } from '../../../lib/pagination/index.js';
import { listRiskHistory, riskScoreKey, riskScoreKeyOf } from '../../../lib/risk/queries.js';
import { startOfUtcDay } from '../../../lib/seed/index.js';
import { listDriverTrips, tripKeyOf } from '../../../lib/trips/queries.js';
import { createTestDriver, testSql, type TestDriver } from '../../helpers/db.js';

/**
 * Keyset pagination on real PostgreSQL. First the pagination helpers on a table of our own in a
 * throwaway schema: newest first by (ts, event_id), with ties on ts and microsecond timestamps, as
 * telematics events have. Then the product's own keyset queries (events, trips, risk history) on
 * the real tables, over rows that share a millisecond but differ in microseconds.
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

/** The UTC millisecond of a cursor timestamp (`2030-06-01T12:00:00.123456Z` -> `2030-06-01T12:00:00.123`). */
const millisecondOf = (cursorTs: string) => cursorTs.slice(0, 23);

/** Microsecond offsets inside one millisecond: ties (two zeros) and values a JavaScript Date would drop. */
const MICROS = [0, 0, 1, 499, 999];

interface Walk<Row> {
  pages: Row[][];
  rows: Row[];
}

/**
 * Walks every page of a product keyset query the way a handler does (decode the cursor, read one
 * row more than the page, build the next cursor with `cursorPage`) while `insertNewer` adds rows
 * concurrently with each page read.
 */
async function walkWhileInserting<Row, Key extends KeysetKey>(options: {
  route: string;
  driverId: number;
  pageSize: number;
  keySchema: z.ZodType<Key>;
  keyOf: (row: Row) => KeysetKey;
  read: (limit: number, after: Key | undefined) => Promise<Row[]>;
  insertNewer: () => Promise<unknown>;
}): Promise<Walk<Row>> {
  const fingerprint = queryFingerprint(options.route, { driverId: options.driverId });
  const pages: Row[][] = [];
  let cursor: string | undefined;
  do {
    const after = decodeCursor(cursor, fingerprint, options.keySchema);
    const [rows] = await Promise.all([options.read(options.pageSize + 1, after), options.insertNewer()]);
    const page = cursorPage(rows, options.pageSize, fingerprint, options.keyOf);
    pages.push(page.items);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return { pages, rows: pages.flat() };
}

/** Page boundaries where the next page starts in the same millisecond as the previous one ended, at another microsecond. */
function boundariesInsideAMillisecond<Row extends { cursor_ts: string }>(pages: Row[][]): number {
  let count = 0;
  for (let i = 1; i < pages.length; i++) {
    const last = pages[i - 1]?.at(-1)?.cursor_ts;
    const first = pages[i]?.[0]?.cursor_ts;
    if (last && first && last !== first && millisecondOf(last) === millisecondOf(first)) count += 1;
  }
  return count;
}

/** Keys `cursor_ts|tie-breaker`, which sort as PostgreSQL orders (fixed-width UTC text; lower-case uuid hex). */
function isNewestFirst(keys: string[]): boolean {
  return keys.every((key, i) => i === 0 || (keys[i - 1] ?? '') > key);
}

describe('product keyset queries over rows sharing a millisecond, during concurrent inserts', () => {
  // A fixed instant in a month whose events partition exists, away from the recent days other suites read.
  const base = new Date(startOfUtcDay().getTime() - 40 * 86_400_000 + 12 * 3_600_000).toISOString();
  const from = new Date(Date.parse(base) - 86_400_000);
  const to = new Date(Date.parse(base) + 86_400_000);
  /** Rows seeded per list before its walk: events are denser than trips and scores. */
  const SEEDED_EVENTS = 500;
  const SEEDED_TRIPS_OR_SCORES = 250;
  let arrange: Sql;
  let testDriver: TestDriver;
  let driverId: number;
  let vehicleId: number;

  beforeAll(async () => {
    arrange = testSql();
    testDriver = await createTestDriver(arrange);
    ({ driverId, vehicleId } = testDriver);
    await arrange`SELECT ensure_event_partitions(${base}::timestamptz::date, ${base}::timestamptz::date)`;
  });

  afterAll(async () => {
    await testDriver.remove();
    await arrange.end();
  });

  /**
   * The timestamp of seeded row `g` (a generate_series column): five rows per millisecond going back
   * from `base`, at the microseconds of MICROS, so the first two of each millisecond tie exactly.
   */
  const seededTs = (): Fragment => arrange`
    ${base}::timestamptz - (g / ${MICROS.length} + 1) * interval '1 millisecond'
      + (${MICROS}::int[])[g % ${MICROS.length} + 1] * interval '1 microsecond'`;
  /** Rows `g` of a batch added during a walk: newer than every seeded row, sharing one millisecond at distinct microseconds. */
  let batch = 0;
  const newerTs = (): Fragment => {
    batch += 1;
    return arrange`${base}::timestamptz + ${batch} * interval '1 millisecond' + g * interval '1 microsecond'`;
  };

  it('walks a driver\'s events with listDriverEvents: every row exactly once, newest first, none lost at a millisecond boundary', async () => {
    const seeded = await arrange<{ event_id: string }[]>`
      INSERT INTO telematics_events (ts, event_id, driver_id, vehicle_id, event_type)
      SELECT ${seededTs()}, gen_random_uuid(), ${driverId}, ${vehicleId}, 'position'
      FROM generate_series(0, ${SEEDED_EVENTS - 1}) AS g
      RETURNING event_id`;
    const newer: string[] = [];
    const insertNewer = async () => {
      const rows = await arrange<{ event_id: string }[]>`
        INSERT INTO telematics_events (ts, event_id, driver_id, vehicle_id, event_type)
        SELECT ${newerTs()}, gen_random_uuid(), ${driverId}, ${vehicleId}, 'position'
        FROM generate_series(1, 3) AS g
        RETURNING event_id`;
      newer.push(...rows.map((row) => row.event_id));
    };

    const walk = await walkWhileInserting({
      route: 'GET /drivers/{driverId}/events',
      driverId,
      pageSize: 7,
      keySchema: timestampUuidKey,
      keyOf: eventKeyOf,
      read: (limit, after) => listDriverEvents({ driverId, from: from.toISOString(), to: to.toISOString(), limit, ...(after ? { after } : {}) }),
      insertNewer,
    });

    const ids = walk.rows.map((row) => row.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !newer.includes(id)).sort()).toEqual(seeded.map((row) => row.event_id).sort());
    expect(walk.pages.slice(1).flat().filter((row) => newer.includes(row.event_id))).toEqual([]);
    expect(isNewestFirst(walk.rows.map((row) => `${row.cursor_ts}|${row.event_id}`))).toBe(true);
    // The walk really crossed pages inside a millisecond, where a millisecond cursor skips rows.
    expect(boundariesInsideAMillisecond(walk.pages)).toBeGreaterThan(10);
  });

  it('walks a driver\'s trips with listDriverTrips: every trip exactly once, newest first, none lost at a millisecond boundary', async () => {
    const insertTrips = (startedAt: Fragment, first: number, last: number) => arrange<{ id: string }[]>`
      INSERT INTO trips (id, driver_id, vehicle_id, started_at, ended_at)
      SELECT gen_random_uuid(), ${driverId}, ${vehicleId}, s.started_at, s.started_at + interval '10 minutes'
      FROM generate_series(${first}::int, ${last}::int) AS g, LATERAL (SELECT ${startedAt} AS started_at) s
      RETURNING id`;
    const seeded = await insertTrips(seededTs(), 0, SEEDED_TRIPS_OR_SCORES - 1);
    const newer: string[] = [];
    const insertNewer = async () => newer.push(...(await insertTrips(newerTs(), 1, 3)).map((row) => row.id));

    const walk = await walkWhileInserting({
      route: 'GET /drivers/{driverId}/trips',
      driverId,
      pageSize: 6,
      keySchema: timestampUuidKey,
      keyOf: tripKeyOf,
      read: (limit, after) => listDriverTrips({ driverId, limit, ...(after ? { after } : {}) }),
      insertNewer,
    });

    const ids = walk.rows.map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !newer.includes(id)).sort()).toEqual(seeded.map((row) => row.id).sort());
    expect(walk.pages.slice(1).flat().filter((row) => newer.includes(row.id))).toEqual([]);
    expect(isNewestFirst(walk.rows.map((row) => `${row.cursor_ts}|${row.id}`))).toBe(true);
    expect(boundariesInsideAMillisecond(walk.pages)).toBeGreaterThan(10);
  });

  it('walks a driver\'s risk history with listRiskHistory: every score exactly once, newest first, none lost at a millisecond boundary', async () => {
    const insertScores = (scoredAt: Fragment, first: number, last: number) => arrange<{ id: number }[]>`
      INSERT INTO risk_scores (driver_id, scored_at, score, model_version)
      SELECT ${driverId}, ${scoredAt}, 50, 'keyset-test'
      FROM generate_series(${first}::int, ${last}::int) AS g
      RETURNING id`;
    const seeded = await insertScores(seededTs(), 0, SEEDED_TRIPS_OR_SCORES - 1);
    const newer: number[] = [];
    const insertNewer = async () => newer.push(...(await insertScores(newerTs(), 1, 3)).map((row) => row.id));

    const walk = await walkWhileInserting({
      route: 'GET /drivers/{driverId}/risk-scores',
      driverId,
      pageSize: 6,
      keySchema: riskScoreKey,
      keyOf: riskScoreKeyOf,
      read: (limit, after) => listRiskHistory({ driverId, limit, ...(after ? { after } : {}) }),
      insertNewer,
    });

    const ids = walk.rows.map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => !newer.includes(id)).sort((a, b) => a - b)).toEqual(seeded.map((row) => row.id).sort((a, b) => a - b));
    expect(walk.pages.slice(1).flat().filter((row) => newer.includes(row.id))).toEqual([]);
    // Ids are compared as numbers: zero-padded so the text keys sort as PostgreSQL orders them.
    expect(isNewestFirst(walk.rows.map((row) => `${row.cursor_ts}|${String(row.id).padStart(16, '0')}`))).toBe(true);
    expect(boundariesInsideAMillisecond(walk.pages)).toBeGreaterThan(10);
  });
});
