import { arrayLiteral, timedQuery, type Sql } from '../db/index.js';

/**
 * SQL of the push layer: who owns a trip (a driver subscribing to `trip:<id>`) and the figures of
 * trips that just ended (their `trip.ended` message). Both are primary-key probes, planned by
 * test/integration/db/explain.test.ts.
 */

export interface TripSummaryRow {
  id: string;
  driver_id: number;
  /** Exact ISO text. */
  started_at: string;
  ended_at: string | null;
  distance_km: number;
}

export const pushSql = {
  tripSummaries: (sql: Sql, tripIds: readonly string[]) => sql<TripSummaryRow[]>`
    SELECT id, driver_id,
           to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS started_at,
           to_char(ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ended_at,
           distance_km
    FROM trips WHERE id = ANY(${arrayLiteral(tripIds)}::uuid[])`,
};

/** The driver of each trip that exists (ids are validated UUIDs). */
export async function findTripOwners(tripIds: readonly string[]): Promise<Map<string, number>> {
  const trips = await findTripSummaries(tripIds);
  return new Map([...trips].map(([id, trip]) => [id, trip.driver_id]));
}

/** Start, end and distance of trips (ids are validated UUIDs). */
export async function findTripSummaries(tripIds: readonly string[]): Promise<Map<string, TripSummaryRow>> {
  if (tripIds.length === 0) return new Map();
  const rows = await timedQuery('push.trip_summaries', (sql) => pushSql.tripSummaries(sql, tripIds));
  return new Map(rows.map((row) => [row.id, row]));
}
