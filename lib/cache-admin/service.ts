import { getCacheHealth, hitRatio, invalidateGroups, invalidateKey, readFleetCacheStats } from '../cache/index.js';
import type { CacheStats, InvalidateBody, InvalidateResult } from './schemas.js';

/** Cache administration use cases. */

/**
 * The fleet's counters per cache, summed over every instance that published them (each publishes
 * at most once per interval, see lib/cache/stats.ts), with the answering instance's breaker and bus.
 */
export async function cacheStatistics(): Promise<CacheStats> {
  const health = getCacheHealth();
  const fleet = await readFleetCacheStats();
  const caches = Object.fromEntries(
    Object.entries(fleet).map(([name, entry]) => [name, { ...entry.counters, hit_ratio: hitRatio(entry.counters), instances: entry.instances }]),
  );
  return { scope: 'fleet', caches, breaker: health.breaker, bus: health.bus, pending_invalidations: health.pendingInvalidations };
}

export async function invalidate(body: InvalidateBody): Promise<InvalidateResult> {
  if ('group' in body) return { invalidated: { group: body.group }, propagated: await invalidateGroups(body.group) };
  return { invalidated: { cache: body.cache, key: body.key }, propagated: await invalidateKey(body.cache, body.key) };
}
