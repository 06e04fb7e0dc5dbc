import { arrayLiteral } from './arrays.js';
import type { Sql } from './client.js';
import { timedQuery } from './pool.js';

/**
 * Existence checks several domains need. A list of a driver's trips, events or scores that comes
 * back empty must tell "this driver has none" (200, empty page) from "no such driver" (404); the
 * check runs only for an empty first page, so ordinary pages pay nothing for it.
 */
export function driverExists(driverId: number): Promise<boolean> {
  return timedQuery('drivers.exists', async (sql) => (await sql`SELECT 1 FROM drivers WHERE id = ${driverId}`).length > 0);
}

export interface TripOwnerRow {
  id: string;
  driver_id: number;
  vehicle_id: number;
}

/**
 * Lookups by primary key that several modules run (planned by the EXPLAIN tests): who owns each
 * trip, for ingestion's ownership check of a batch and for a driver subscribing to `trip:<id>`.
 */
export const lookupSql = {
  tripOwners: (sql: Sql, tripIds: readonly string[]) => sql<TripOwnerRow[]>`
    SELECT id, driver_id, vehicle_id FROM trips WHERE id = ANY(${arrayLiteral(tripIds)}::uuid[])`,
};
