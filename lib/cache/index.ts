export { Cache } from './cache.js';
export type { CacheCounters } from './counters.js';
export type { CacheDefinition, LoadOptions, Loader } from './definition.js';
export type { WarmEntry, WarmOptions, WarmResult } from './write.js';
export type { InvalidationEvent } from './runtime.js';
export { hitRatio, publishCacheStats, readFleetCacheStats, STATS_TTL_MS, type FleetCacheStats } from './stats.js';
export * from './operations.js';
