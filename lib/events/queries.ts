import { timedQuery, type Sql } from '../db/index.js';

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
  event_type: string;
  lat: number | null;
  lon: number | null;
  speed_kmh: number | null;
  acceleration_mps2: number | null;
  lateral_mps2: number | null;
  heading_deg: number | null;
  data: Record<string, unknown>;
  received_at: Date;
}

/** Keyset position: the last event of the previous page. */
export interface EventCursor {
  ts: Date;
  eventId: string;
}

export interface DriverEventsParams {
  driverId: number;
  /** Inclusive start and exclusive end of the period. */
  from: Date;
  to: Date;
  /** Only these event types (all when absent). */
  types?: string[];
  limit: number;
  after?: EventCursor;
}

export const eventSql = {
  /** A driver's events in a period, newest first, one keyset page (ties on ts broken by event_id). */
  byDriver: (sql: Sql, p: DriverEventsParams) => sql<EventRow[]>`
    SELECT event_id, ts, driver_id, vehicle_id, trip_id, event_type, lat, lon, speed_kmh,
           acceleration_mps2, lateral_mps2, heading_deg, data, received_at
    FROM telematics_events
    WHERE driver_id = ${p.driverId} AND ts >= ${p.from} AND ts < ${p.to}
      ${p.types && p.types.length > 0 ? sql`AND event_type = ANY(${p.types}::text[])` : sql``}
      ${p.after ? sql`AND (ts, event_id) < (${p.after.ts}, ${p.after.eventId}::uuid)` : sql``}
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
