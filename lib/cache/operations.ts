/**
 * The two-level cache every read path goes through (SPEC section 5).
 *
 *   const drivers = createCache({ name: 'drivers', ttl: 5 * 60_000, grace: 60 * 60_000 });
 *   const driver = await drivers.getOrLoad(String(id), () => findDriver(id), { groups: [`driver:${id}`] });
 *   await invalidateGroups(`driver:${id}`); // after any write about that driver
 *
 * L1 is a bounded LRU in the function instance holding parsed values (a hit costs a map lookup,
 * no parsing). L2 is Redis, holding each value's JSON once behind a small header (entry.ts).
 *
 * Redis key layout (P = CACHE_PREFIX, N = cache name, K = key, G = group):
 *   P:N:K          the entry: `1|freshUntil|group versions|json`, expiring after ttl + grace
 *   P:lock:N:K     stampede lock, value = random owner token, expiring after CACHE_LOCK_TTL_MS
 *   P:group:G      group version counter (INCR on invalidation), expiring 2 days after its last bump
 *   P:bus          pub/sub channel for invalidations and "value ready" signals (messages.ts)
 *
 * Groups: an entry records the versions of its groups when its value was loaded; a read fetches
 * the entry and the current versions in one MGET and treats a mismatch as a miss. Invalidating a
 * group is therefore one INCR, whatever the number of entries, with no KEYS or SCAN: outdated
 * entries are simply never read again and expire by TTL. Invalidating many groups at once (an
 * ingest batch outdates thousands) is one script run and one bus message (scripts.ts BUMP_GROUPS). Versions are read before the loader
 * runs, so a write that lands during a load outdates the value that load stores.
 *
 * Stampedes: concurrent misses in one instance share one promise; across instances the first to
 * take `P:lock:N:K` loads, the others wait for its "ready" message (or poll) and read its value.
 * The store is fenced (scripts.ts): a loader whose lock expired and was taken by another owner,
 * or that finds a value stored after it read the key, writes nothing (`stores_refused`).
 *
 * Bus: every invalidation is published (the groups of one call in a single message); other
 * instances drop the key or the groups' keys from L1 and mark loads in progress for them as
 * outdated (their result is returned but not stored).
 *
 * Redis failures: all Redis calls go through a circuit breaker (breaker.ts); while Redis is down
 * reads go to the loader, L1 keeps working, and invalidations are queued for replay (runtime.ts).
 */
import { getConfig } from '../config/index.js';
import type { BreakerState } from './breaker.js';
import { Cache } from './cache.js';
import type { CacheCounters } from './counters.js';
import { assertCacheName, type CacheDefinition } from './definition.js';
import { getCacheRuntime, registeredCaches, type BusState, type InvalidationEvent } from './runtime.js';


/** Defines a named cache; call once per name per instance (usually at module scope). */
export function createCache(definition: CacheDefinition): Cache {
  return new Cache(definition);
}

/**
 * Outdates every entry of the given groups in every cache of every instance, in one Redis round
 * trip and one bus message however many groups are given. If Redis is
 * unreachable the local L1 is still cleared and the invalidation is replayed when Redis is back;
 * resolves to whether it reached Redis (false: queued for replay).
 */
export async function invalidateGroups(...groups: string[]): Promise<boolean> {
  if (groups.length === 0 || !getConfig().cache.enabled) return true;
  const unique = [...new Set(groups)];
  for (const cache of registeredCaches()) cache.dropGroups(unique);
  const runtime = getCacheRuntime();
  return runtime.invalidate(
    runtime.sharedCounters,
    unique.map((group) => ({ kind: 'group', group })),
  );
}

/**
 * Drops one key of the named cache everywhere: Redis and every instance's L1, whether or not this
 * instance defines that cache (the cache-admin function holds none of the domains' caches).
 */
export async function invalidateKey(cacheName: string, key: string): Promise<boolean> {
  if (!getConfig().cache.enabled) return true;
  for (const cache of registeredCaches()) {
    if (cache.name === cacheName) cache.dropKey(key);
  }
  const runtime = getCacheRuntime();
  return runtime.invalidate(runtime.sharedCounters, [{ kind: 'key', cache: cacheName, key }]);
}

/**
 * Empties the named caches everywhere: their entries in Redis and in every instance's L1, whether
 * or not this instance defines them. For when the data behind them was replaced wholesale (a
 * reseed restarts every id, and an entry kept for driver 42 would answer for the new driver 42);
 * resolves to whether it reached Redis.
 */
export async function clearCaches(cacheNames: readonly string[]): Promise<boolean> {
  if (cacheNames.length === 0 || !getConfig().cache.enabled) return true;
  const names = [...new Set(cacheNames)];
  for (const name of names) assertCacheName(name);
  const dropHere = (): void => {
    for (const cache of registeredCaches()) if (names.includes(cache.name)) cache.dropAll();
  };
  // Before, so no load in progress here stores old data; after, so nothing this instance read from
  // Redis while the entries were being deleted stays in its L1 (it skips its own bus message).
  dropHere();
  const runtime = getCacheRuntime();
  const reached = await runtime.clear(runtime.sharedCounters, names);
  dropHere();
  return reached;
}


/** Counters per cache name, for the metrics module. */
export function getCacheStats(): Record<string, CacheCounters> {
  const stats: Record<string, CacheCounters> = {};
  for (const cache of registeredCaches()) stats[cache.name] = { ...cache.counters };
  return stats;
}

export interface CacheHealth {
  breaker: BreakerState;
  bus: BusState;
  /** Invalidations waiting for Redis to come back. */
  pendingInvalidations: number;
  /** Redis errors and bypasses of operations that belong to no single cache (group invalidations). */
  sharedErrors: number;
  sharedBypassed: number;
}

export function getCacheHealth(): CacheHealth {
  const runtime = getCacheRuntime();
  return {
    breaker: runtime.breakerState,
    bus: runtime.busStatus,
    pendingInvalidations: runtime.pendingInvalidations,
    sharedErrors: runtime.sharedCounters.errors,
    sharedBypassed: runtime.sharedCounters.l2_bypassed,
  };
}

/**
 * Starts listening for other instances' invalidations now instead of on the first cache access;
 * resolves once subscribed. Useful at cold start, in scripts and in tests.
 */
export function connectCacheBus(): Promise<void> {
  return getCacheRuntime().connectBus();
}

/** Observes invalidations applied to this instance (logging, propagation measurements). Returns an unsubscribe function. */
export function onCacheInvalidation(listener: (event: InvalidationEvent) => void): () => void {
  return getCacheRuntime().onInvalidation(listener);
}
