import { createCache } from '../cache/index.js';

/**
 * The drivers domain's cache and the groups its entries belong to. Writers (admin edits,
 * ingestion) outdate entries through these names, never by spelling keys.
 */

/** Driver details change rarely and only through admin edits, which invalidate them at once. */
export const driversCache = createCache({ name: 'drivers', ttl: 5 * 60_000, grace: 60 * 60_000 });

/** One driver's profile (detail, `me`): outdated by an admin edit of that driver. */
export const driverGroup = (driverId: number): string => `driver:${driverId}`;

/** One driver's driving statistics (from trips): outdated when ingestion changes the driver's trips. */
export const driverStatisticsGroup = (driverId: number): string => `driver-statistics:${driverId}`;

/** Every page of the drivers list: outdated by any create, update or deactivation. */
export const DRIVER_LIST_GROUP = 'drivers:list';
