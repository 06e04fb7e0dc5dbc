/**
 * Counters of the cache. Kept apart from cache.ts and runtime.ts so that both can use them without
 * importing each other (runtime.ts reports the counters of the caches it dispatches to).
 */

/** Redis failures of operations run through the circuit breaker. */
export interface RedisCounters {
  errors: number;
  l2_bypassed: number;
}

/** Counters of one named cache since the instance started (monotonic, for metrics). */
export interface CacheCounters extends RedisCounters {
  /** Served from this instance's memory. */
  l1_hits: number;
  /** Served from Redis at the first look. */
  l2_hits: number;
  /** Nothing usable in L1 or L2 at the first look (counted once per key and instance, see `coalesced`). */
  misses: number;
  /** Calls that joined a miss already being resolved in this instance instead of starting their own. */
  coalesced: number;
  /** Stale values served within the grace period because the loader failed. */
  stale_served: number;
  /** Loader runs, successful or not. */
  loads: number;
  load_errors: number;
  /** Misses that found another instance loading the key and waited for its value. */
  lock_waits: number;
  /** Waits that outlasted CACHE_LOCK_WAIT_MS and ran the loader anyway. */
  lock_timeouts: number;
  /** Loaded values not written to L2 because a newer one was stored, or is being loaded by the lock's new owner. */
  stores_refused: number;
  /** Invalidations applied to this instance's L1 (local and from other instances), in keys. */
  invalidations: number;
}

export function emptyCounters(): CacheCounters {
  return {
    l1_hits: 0,
    l2_hits: 0,
    misses: 0,
    coalesced: 0,
    stale_served: 0,
    loads: 0,
    load_errors: 0,
    lock_waits: 0,
    lock_timeouts: 0,
    stores_refused: 0,
    invalidations: 0,
    errors: 0,
    l2_bypassed: 0,
  };
}
