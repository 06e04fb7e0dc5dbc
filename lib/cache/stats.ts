import { INSTANCE_ID, instanceBoard } from '../redis/instances.js';
import { emptyCounters, type CacheCounters } from './counters.js';
import { registeredCaches } from './runtime.js';

/**
 * Fleet-wide cache counters. Each function instance keeps its own counters (getCacheStats); every
 * instance publishes them to Redis under its own id with an expiry (`P:stats:cache:<instance>`, see
 * lib/redis/instances.ts), and any instance sums the counters of the instances that reported within
 * STATS_TTL_MS (the metrics and cache-admin functions).
 */

export const STATS_TTL_MS = 5 * 60_000;

const board = instanceBoard('stats', 'cache', STATS_TTL_MS);

export interface FleetCacheStats {
  counters: CacheCounters;
  /** (l1_hits + l2_hits) / (l1_hits + l2_hits + misses); null before the first lookup. */
  hitRatio: number | null;
  /** Instances whose published counters include this cache. */
  instances: number;
}

/** This instance's counters per cache (what getCacheStats returns). */
function instanceCounters(): Record<string, CacheCounters> {
  return Object.fromEntries([...registeredCaches()].map((cache) => [cache.name, cache.counters]));
}

/** Publishes this instance's counters; `instance`, `stats` and `now` let tests stand in for other instances. */
export async function publishCacheStats(options: { instance?: string; stats?: Record<string, CacheCounters>; now?: number } = {}): Promise<void> {
  await board.post(options.instance ?? INSTANCE_ID, options.stats ?? instanceCounters(), options.now);
}

export function hitRatio(counters: CacheCounters): number | null {
  const hits = counters.l1_hits + counters.l2_hits;
  const lookups = hits + counters.misses;
  return lookups === 0 ? null : hits / lookups;
}

/** Counters of every cache summed over the instances that published within STATS_TTL_MS. */
export async function readFleetCacheStats(now?: number): Promise<Record<string, FleetCacheStats>> {
  const fleet: Record<string, FleetCacheStats> = {};
  for (const published of (await board.read(now)) as Array<Record<string, Partial<CacheCounters>>>) {
    for (const [name, counters] of Object.entries(published)) {
      const entry = (fleet[name] ??= { counters: emptyCounters(), hitRatio: null, instances: 0 });
      entry.instances += 1;
      for (const field of Object.keys(entry.counters) as Array<keyof CacheCounters>) entry.counters[field] += counters[field] ?? 0;
    }
  }
  for (const entry of Object.values(fleet)) entry.hitRatio = hitRatio(entry.counters);
  return fleet;
}
