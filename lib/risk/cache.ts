import { createCache } from '../cache/index.js';

/** The risk domain's cache and its groups; scoring refreshes them through these names. */

/** Scores change once an hour at most (the scoring run), which invalidates and warms them. */
export const riskCache = createCache({ name: 'risk', ttl: 30 * 60_000, grace: 2 * 60 * 60_000 });

/** One driver's current score and score history: outdated when scoring stores a new score for the driver. */
export const driverRiskGroup = (driverId: number): string => `risk:driver:${driverId}`;
