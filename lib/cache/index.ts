export { Cache, type CacheCounters, type CacheDefinition, type LoadOptions, type Loader, type WarmEntry, type WarmOptions, type WarmResult } from './cache.js';
export type { InvalidationEvent } from './runtime.js';
export { hitRatio, publishCacheStats, readFleetCacheStats, STATS_TTL_MS, type FleetCacheStats } from './stats.js';
export * from './operations.js';
