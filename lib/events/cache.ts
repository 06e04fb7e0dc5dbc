import { createCache } from '../cache/index.js';

/** The events domain's cache and its groups; ingestion outdates them through these names. */

/** Event pages of a past period never change; the newest ones are invalidated by ingestion. */
export const eventsCache = createCache({ name: 'events', ttl: 60_000, grace: 5 * 60_000 });

/** Every page of one driver's events: outdated when ingestion stores events of that driver. */
export const driverEventsGroup = (driverId: number): string => `events:driver:${driverId}`;
