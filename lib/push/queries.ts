import { lookupSql, timedQuery } from '../db/index.js';

/**
 * What the push layer reads from the database: who owns a trip (a driver subscribing to
 * `trip:<id>`), through the shared primary-key lookup. (A `trip.ended` message carries the figures
 * ingestion's trip upsert returned; nothing here reads them again.)
 */

/** The driver of each trip that exists (ids are validated UUIDs). */
export async function findTripOwners(tripIds: readonly string[]): Promise<Map<string, number>> {
  if (tripIds.length === 0) return new Map();
  const rows = await timedQuery('push.trip_owners', (sql) => lookupSql.tripOwners(sql, tripIds));
  return new Map(rows.map((row) => [row.id, row.driver_id]));
}
