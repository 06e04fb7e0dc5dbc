import { arrayLiteral, timedQuery, type Sql } from '../db/index.js';

/**
 * SQL of the push layer: who owns a trip (a driver subscribing to `trip:<id>`). A primary-key
 * probe, planned by test/integration/db/explain.test.ts. (A `trip.ended` message carries the
 * figures ingestion's trip upsert returned; nothing here reads them again.)
 */

export interface TripOwnerRow {
  id: string;
  driver_id: number;
}

export const pushSql = {
  tripOwners: (sql: Sql, tripIds: readonly string[]) => sql<TripOwnerRow[]>`
    SELECT id, driver_id FROM trips WHERE id = ANY(${arrayLiteral(tripIds)}::uuid[])`,
};

/** The driver of each trip that exists (ids are validated UUIDs). */
export async function findTripOwners(tripIds: readonly string[]): Promise<Map<string, number>> {
  if (tripIds.length === 0) return new Map();
  const rows = await timedQuery('push.trip_owners', (sql) => pushSql.tripOwners(sql, tripIds));
  return new Map(rows.map((row) => [row.id, row.driver_id]));
}
