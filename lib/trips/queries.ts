import type { z } from 'zod';
import { cursorTimestampOf, timedQuery, type Sql } from '../db/index.js';
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
