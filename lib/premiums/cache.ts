import { createCache } from '../cache/index.js';

/** The premiums domain's cache and its groups; scoring refreshes them through these names. */

/** Premiums change with scores (hourly at most) and policy edits, which invalidate them. */
export const premiumsCache = createCache({ name: 'premiums', ttl: 30 * 60_000, grace: 2 * 60 * 60_000 });

/** One driver's current premium: outdated when scoring prices the driver again. */
export const driverPremiumGroup = (driverId: number): string => `premiums:driver:${driverId}`;
