import type { z } from 'zod';
import { cursorTimestampOf, timedQuery, type Sql } from '../db/index.js';
import type { KeysetWindow, timestampUuidKey } from '../pagination/index.js';
import type { EventType } from '../vocabulary/index.js';

/**
 * SQL for telematics events. `eventSql` holds each statement as a function of the client and
 * typed parameters returning a lazy query, run by the functions below and planned as-is by the
 * EXPLAIN test. Every statement bounds `ts`, so only the partitions of the asked period are read.
 */

export interface EventRow {
  event_id: string;
  ts: Date;
  driver_id: number;
  vehicle_id: number;
  trip_id: string | null;
  event_type: EventType;
  lat: number | null;
  lon: number | null;
  speed_kmh: number | null;
  acceleration_mps2: number | null;
  lateral_mps2: number | null;
  heading_deg: number | null;
  data: Record<string, unknown>;
  received_at: Date;
  /** `ts` as exact UTC text with microseconds: the keyset position, which `ts` (a Date) cannot hold. */
  cursor_ts: string;
}

/** Keyset position `[cursor_ts, event_id]` of the last event of the previous page, as the cursor carries it. */
export type EventKey = z.output<typeof timestampUuidKey>;

/** The key a cursor stores for `row` (decode it with `timestampUuidKey`). */
export const eventKeyOf = (row: EventRow): EventKey => [row.cursor_ts, row.event_id];

export interface DriverEventsParams extends KeysetWindow<EventKey> {
  driverId: number;
  /** Inclusive start and exclusive end of the period, as ISO text (cast in SQL, never through a Date). */
  from: string;
  to: string;
  /** Only these event types (all when absent). */
  types?: EventType[];
}

export const eventSql = {
  /**
   * A driver's events in a period, newest first, one keyset page (ties on ts broken by event_id).
   * The key's timestamp travels as text both ways, so the comparison keeps microseconds.
   */
  byDriver: (sql: Sql, p: DriverEventsParams) => sql<EventRow[]>`
    SELECT event_id, ts, driver_id, vehicle_id, trip_id, event_type, lat, lon, speed_kmh,
           acceleration_mps2, lateral_mps2, heading_deg, data, received_at, ${cursorTimestampOf(sql, 'ts')} AS cursor_ts
    FROM telematics_events
    WHERE driver_id = ${p.driverId} AND ts >= ${p.from}::text::timestamptz AND ts < ${p.to}::text::timestamptz
      ${p.types && p.types.length > 0 ? sql`AND event_type = ANY(${p.types}::text[])` : sql``}
      ${p.after ? sql`AND (ts, event_id) < (${p.after[0]}::text::timestamptz, ${p.after[1]}::uuid)` : sql``}
    ORDER BY ts DESC, event_id DESC
    LIMIT ${p.limit}`,

  /**
   * Events timestamped in a period, e.g. the last minute for the events-per-second metric. The upper
   * bound keeps future months' partitions (and the default one) out of the plan.
   */
  countInPeriod: (sql: Sql, p: { from: Date; to: Date }) => sql<{ events: number }[]>`
    SELECT count(*)::int AS events FROM telematics_events WHERE ts >= ${p.from} AND ts < ${p.to}`,
};

export function listDriverEvents(p: DriverEventsParams): Promise<EventRow[]> {
  return timedQuery('events.by_driver', (sql) => eventSql.byDriver(sql, p));
}

export function countEventsInPeriod(p: { from: Date; to: Date }): Promise<number> {
  return timedQuery('events.count_in_period', async (sql) => (await eventSql.countInPeriod(sql, p))[0]?.events ?? 0);
}
