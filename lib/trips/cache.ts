import { createCache } from '../cache/index.js';

/** The trips domain's cache and its groups; ingestion outdates them through these names. */

/** Trips change while they are driven; ingestion invalidates them as events arrive, the TTL bounds the rest. */
export const tripsCache = createCache({ name: 'trips', ttl: 2 * 60_000, grace: 10 * 60_000 });

/** Every page of one driver's trip list: outdated when ingestion adds or changes one of the driver's trips. */
export const driverTripsGroup = (driverId: number): string => `trips:driver:${driverId}`;

/** One trip with its events: outdated when ingestion changes that trip. */
export const tripGroup = (tripId: string): string => `trip:${tripId}`;
