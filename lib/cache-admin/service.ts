import { getCacheHealth, getCacheStats, invalidateGroups, invalidateKey, type CacheCounters } from '../cache/index.js';
import type { CacheStats, InvalidateBody, InvalidateResult } from './schemas.js';

/** Cache administration use cases. */

function hitRatio(counters: CacheCounters): number | null {
  const hits = counters.l1_hits + counters.l2_hits;
  const reads = hits + counters.misses + counters.coalesced;
  return reads === 0 ? null : hits / reads;
}

export function cacheStatistics(): CacheStats {
  const health = getCacheHealth();
  const caches = Object.fromEntries(Object.entries(getCacheStats()).map(([name, counters]) => [name, { ...counters, hit_ratio: hitRatio(counters) }]));
  return { scope: 'instance', caches, breaker: health.breaker, bus: health.bus, pending_invalidations: health.pendingInvalidations };
}

export async function invalidate(body: InvalidateBody): Promise<InvalidateResult> {
  if ('group' in body) return { invalidated: { group: body.group }, propagated: await invalidateGroups(body.group) };
  return { invalidated: { cache: body.cache, key: body.key }, propagated: await invalidateKey(body.cache, body.key) };
}
