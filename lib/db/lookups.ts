import { timedQuery } from './pool.js';

/**
 * Existence checks several domains need. A list of a driver's trips, events or scores that comes
 * back empty must tell "this driver has none" (200, empty page) from "no such driver" (404); the
 * check runs only for an empty first page, so ordinary pages pay nothing for it.
 */
export function driverExists(driverId: number): Promise<boolean> {
  return timedQuery('drivers.exists', async (sql) => (await sql`SELECT 1 FROM drivers WHERE id = ${driverId}`).length > 0);
}
