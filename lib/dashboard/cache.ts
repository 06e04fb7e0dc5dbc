import { createCache } from '../cache/index.js';

/**
 * The dashboard's cache. Fleet figures move with every ingested batch, so they are not invalidated
 * per batch (that would leave nothing cached under load): a minute's staleness is the contract
 * (SPEC 5). Scoring and admin edits, which change whole figures at once, outdate the group.
 */
export const dashboardCache = createCache({ name: 'dashboard', ttl: 60_000, grace: 10 * 60_000 });

/** Every dashboard figure: outdated by scoring runs and driver creation or deactivation. */
export const DASHBOARD_GROUP = 'dashboard';
