import type { z } from 'zod';
import { arrayLiteral, cursorTimestampOf, timedQuery, type Sql, type TransactionSql } from '../db/index.js';
import type { EventRow } from '../events/queries.js';
import type { KeysetWindow, timestampUuidKey } from '../pagination/index.js';

/**
 * SQL for trips. `tripSql` holds each statement as a function of the client and typed parameters
 * returning a lazy query, run by the functions below and planned as-is by the EXPLAIN test.
 */

export interface TripRow {
  id: string;
  driver_id: number;
  vehicle_id: number;
  started_at: Date;
  ended_at: Date | null;
  distance_km: number;
  duration_s: number;
  avg_speed_kmh: number;
  max_speed_kmh: number;
  harsh_braking_count: number;
  harsh_acceleration_count: number;
  harsh_cornering_count: number;
  speeding_count: number;
  night_distance_km: number;
  event_count: number;
  start_lat: number | null;
  start_lon: number | null;
  end_lat: number | null;
  end_lon: number | null;
}

/** A trip in a driver's list, with its keyset position. */
export interface DriverTripRow extends TripRow {
  /** `started_at` as exact UTC text with microseconds: the keyset position, which a Date cannot hold. */
  cursor_ts: string;
}

/** An event as a trip's detail shows it: the event's own columns, without those the trip already gives. */
export type TripEventRow = Pick<
  EventRow,
  'event_id' | 'event_type' | 'lat' | 'lon' | 'speed_kmh' | 'acceleration_mps2' | 'lateral_mps2' | 'heading_deg' | 'data'
> & {
  /** Exact UTC text with microseconds. */
  ts: string;
};

/** Keyset position `[cursor_ts, id]` of the last trip of the previous page, as the cursor carries it. */
export type TripKey = z.output<typeof timestampUuidKey>;

/** The key a cursor stores for `row` (decode it with `timestampUuidKey`). */
export const tripKeyOf = (row: DriverTripRow): TripKey => [row.cursor_ts, row.id];

export interface DriverTripsParams extends KeysetWindow<TripKey> {
  driverId: number;
}

export interface TripEventsParams {
  tripId: string;
  /** The trip's time span; bounds the scan to the partitions the trip touches. */
  from: Date;
  to: Date;
  limit: number;
}

/** A trip has one event per few seconds; this caps a pathological (e.g. never-ended) trip's payload. */
export const MAX_TRIP_EVENTS = 10_000;

const TRIP_COLUMNS = (sql: Sql) => sql`
  id, driver_id, vehicle_id, started_at, ended_at, distance_km, duration_s, avg_speed_kmh, max_speed_kmh,
  harsh_braking_count, harsh_acceleration_count, harsh_cornering_count, speeding_count, night_distance_km,
  event_count, start_lat, start_lon, end_lat, end_lon`;

export const tripSql = {
  /**
   * A driver's trips, newest first, one keyset page (ties on started_at broken by id). The key's
   * timestamp travels as text both ways, so the comparison keeps microseconds.
   */
  byDriver: (sql: Sql, p: DriverTripsParams) => sql<DriverTripRow[]>`
    SELECT ${TRIP_COLUMNS(sql)}, ${cursorTimestampOf(sql, 'started_at')} AS cursor_ts
    FROM trips
    WHERE driver_id = ${p.driverId}
      ${p.after ? sql`AND (started_at, id) < (${p.after[0]}::text::timestamptz, ${p.after[1]}::uuid)` : sql``}
    ORDER BY started_at DESC, id DESC
    LIMIT ${p.limit}`,

  one: (sql: Sql, tripId: string) => sql<TripRow[]>`
    SELECT ${TRIP_COLUMNS(sql)} FROM trips WHERE id = ${tripId}::uuid`,

  /** All events of one trip in time order; the time bounds let the planner skip other months. */
  events: (sql: Sql, p: TripEventsParams) => sql<TripEventRow[]>`
    SELECT event_id, ${cursorTimestampOf(sql, 'ts')} AS ts, event_type, lat, lon, speed_kmh, acceleration_mps2, lateral_mps2, heading_deg, data
    FROM telematics_events
    WHERE trip_id = ${p.tripId}::uuid AND ts >= ${p.from} AND ts <= ${p.to}
    ORDER BY ts, event_id
    LIMIT ${p.limit}`,
};

/**
 * The per-driver daily rollup of finished trips (migration 008), which the scoring run's features
 * read instead of trips. Always recomputed from trips, never incremented, so it is exact whatever
 * the order, duplication or batching of the events that built the trips.
 */

/** A client or a transaction: the rollup's statements run inside ingestion's transaction. */
type SqlOrTx = Sql | TransactionSql;

/**
 * Sums of finished trips `t` for one row of the rollup: the rollup's one definition. Distances are
 * summed as numeric, exactly, so a row does not depend on the order a plan reads its trips in (a
 * float sum can differ in its last bit): a refresh and a fill give the same row.
 */
const DAY_SUMS = (sql: SqlOrTx) => sql`
  count(*)::int AS trips, sum(t.distance_km::numeric)::float8 AS distance_km, sum(t.duration_s) AS duration_s,
  sum(t.night_distance_km::numeric)::float8 AS night_distance_km, sum(t.harsh_braking_count)::int AS harsh_braking_count,
  sum(t.harsh_acceleration_count)::int AS harsh_acceleration_count, sum(t.harsh_cornering_count)::int AS harsh_cornering_count,
  sum(t.speeding_count)::int AS speeding_count, max(t.max_speed_kmh) AS max_speed_kmh`;

const ROLLUP_COLUMNS = (sql: SqlOrTx) => sql`
  driver_id, day, trips, distance_km, duration_s, night_distance_km, harsh_braking_count, harsh_acceleration_count,
  harsh_cornering_count, speeding_count, max_speed_kmh`;

/**
 * The (driver, UTC day) pairs the given trips may count on (trip_days, migration 008, says which
 * days and why). Only finished trips count in the rollup, and a trip stays finished once its end
 * has arrived, so a batch's trips still under way change no pair: skipping them spares most of a
 * streaming batch's locks and recomputations.
 */
const TOUCHED_DAYS = (sql: SqlOrTx, tripIds: readonly string[]) => sql`
  SELECT DISTINCT t.driver_id, d.day
  FROM trips t CROSS JOIN LATERAL trip_days(t.started_at, t.duration_s) AS d(day)
  WHERE t.id = ANY(${arrayLiteral(tripIds)}::uuid[]) AND t.ended_at IS NOT NULL`;


export const driverDailySql = {
  /**
   * Serialises the refreshes of the same (driver, day) pairs (two batches with different trips of
   * one driver on one day): each recomputation must see the other's committed trips, or the later
   * writer would store sums without the earlier one's trip. Taken after the trip locks, in one
   * order, so two batches cannot deadlock; the next statement's snapshot then includes every
   * earlier writer of these pairs.
   */
  lockDays: (tx: TransactionSql, tripIds: readonly string[]) => tx<{ locked: number }[]>`
    SELECT count(pg_advisory_xact_lock(hashtextextended('driver_day:' || driver_id || ':' || day, 0)))::int AS locked
    FROM (${TOUCHED_DAYS(tx, tripIds)} ORDER BY 1, 2) AS ordered`,

  /** Recomputes the pairs the trips span from trips (one index range per pair); pairs left without finished trips are removed. */
  refresh: (sql: SqlOrTx, tripIds: readonly string[]) => sql<{ days: number; removed: number }[]>`
    WITH touched AS (${TOUCHED_DAYS(sql, tripIds)}),
    totals AS (
      -- One index range of a driver's trips per pair (LATERAL: never a scan of trips).
      SELECT p.driver_id, p.day, x.*
      FROM touched p
      CROSS JOIN LATERAL (
        SELECT ${DAY_SUMS(sql)}
        FROM trips t
        WHERE t.driver_id = p.driver_id AND t.ended_at IS NOT NULL
          AND t.started_at >= p.day::timestamp AT TIME ZONE 'UTC' AND t.started_at < (p.day + 1)::timestamp AT TIME ZONE 'UTC'
      ) AS x
      WHERE x.trips > 0
    ),
    removed AS (
      DELETE FROM driver_daily r USING touched p
      WHERE r.driver_id = p.driver_id AND r.day = p.day
        AND NOT EXISTS (SELECT 1 FROM totals x WHERE x.driver_id = p.driver_id AND x.day = p.day)
      RETURNING 1
    ),
    upserted AS (
      INSERT INTO driver_daily (${ROLLUP_COLUMNS(sql)})
      SELECT ${ROLLUP_COLUMNS(sql)} FROM totals
      ON CONFLICT (driver_id, day) DO UPDATE SET
        trips = excluded.trips, distance_km = excluded.distance_km, duration_s = excluded.duration_s,
        night_distance_km = excluded.night_distance_km, harsh_braking_count = excluded.harsh_braking_count,
        harsh_acceleration_count = excluded.harsh_acceleration_count, harsh_cornering_count = excluded.harsh_cornering_count,
        speeding_count = excluded.speeding_count, max_speed_kmh = excluded.max_speed_kmh
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM upserted)::int AS days, (SELECT count(*) FROM removed)::int AS removed`,

  /** The rollup of every trip as computed from scratch (what `fill` writes, and the tests' reference). */
  fromTrips: (sql: SqlOrTx) => sql<DriverDayRow[]>`
    SELECT t.driver_id, (t.started_at AT TIME ZONE 'UTC')::date AS day, ${DAY_SUMS(sql)}
    FROM trips t WHERE t.ended_at IS NOT NULL GROUP BY 1, 2`,

  /**
   * Fills the empty rollup from trips in one statement: after a bulk load past ingestion into an
   * empty (or truncated) database, the seeder's. Migration 008's comments call this the rollup's
   * rebuild (`driverDailySql.rebuild`); its backfill is the same sums. A pair already in the table
   * fails the statement (primary key) rather than being summed twice.
   */
  fill: (sql: SqlOrTx) => sql`
    INSERT INTO driver_daily (${ROLLUP_COLUMNS(sql)})
    SELECT ${ROLLUP_COLUMNS(sql)} FROM (${driverDailySql.fromTrips(sql)} ORDER BY 1, 2) AS totals`,
};

/** One row of the rollup. */
export interface DriverDayRow {
  driver_id: number;
  /** The UTC day, as postgres.js returns a date: midnight UTC. */
  day: Date;
  trips: number;
  distance_km: number;
  duration_s: number;
  night_distance_km: number;
  harsh_braking_count: number;
  harsh_acceleration_count: number;
  harsh_cornering_count: number;
  speeding_count: number;
  max_speed_kmh: number;
}

/**
 * Brings the rollup of the given trips' days up to date, inside the transaction that changed the
 * trips (ingestion, after its trip update). Exact under replays and out-of-order batches.
 */
export async function refreshDriverDays(tx: TransactionSql, tripIds: readonly string[]): Promise<void> {
  if (tripIds.length === 0) return;
  await driverDailySql.lockDays(tx, tripIds);
  await driverDailySql.refresh(tx, tripIds);
}

/** Fills the empty rollup from trips (driverDailySql.fill): the seeder, after copying trips into an empty database. */
export async function fillDriverDaily(sql: Sql): Promise<void> {
  await driverDailySql.fill(sql);
}

/** One page of a driver's trips, newest first; the caller builds the next cursor from the last row. */
export function listDriverTrips(p: DriverTripsParams): Promise<DriverTripRow[]> {
  return timedQuery('trips.by_driver', (sql) => tripSql.byDriver(sql, p));
}

/** A trip with up to `limit` of its events: two queries whatever the number of events. */
export function getTripWithEvents(tripId: string, limit = MAX_TRIP_EVENTS): Promise<{ trip: TripRow; events: TripEventRow[] } | undefined> {
  return timedQuery('trips.with_events', async (sql) => {
    const [trip] = await tripSql.one(sql, tripId);
    if (!trip) return undefined;
    // An active trip has no end yet: read up to now (plus a little clock skew from devices). An ended
    // trip's end arrives as a Date, cut to the millisecond; one more millisecond keeps the last event
    // when its timestamp has microseconds. The bounds only prune partitions: trip_id selects the rows.
    const to = trip.ended_at ? new Date(trip.ended_at.getTime() + 1) : new Date(Date.now() + 60_000);
    const events = await tripSql.events(sql, { tripId, from: trip.started_at, to, limit });
    return { trip, events };
  });
}
