import { getCacheHealth, getCacheStats, publishCacheStats, type CacheCounters } from '../cache/index.js';
import { onQueryTiming, poolStats } from '../db/index.js';
import { getLogger } from '../logger/index.js';
import { INSTANCE_POST_INTERVAL_MS, publishInstanceMetrics } from '../metrics/fleet.js';
import { observeDbQuery, registerCollector, type CollectedMetric } from '../metrics/index.js';

/**
 * Connects the instance's clients to its metrics: database query durations (pushed by lib/db's
 * timing hook), pool usage and cache counters (pulled when GET /metrics renders, and sent to EMF
 * at most once a minute). lib/db and lib/cache stay free of metrics code; this module is the only
 * place that knows both sides. Called by the middleware stacks at cold start; idempotent.
 */

let instrumented = false;

export function instrumentInstance(): void {
  if (instrumented) return;
  instrumented = true;
  onQueryTiming((timing) => observeDbQuery(timing.durationMs, timing.name, timing.ok));
  registerCollector(collectPoolMetrics);
  registerCollector(collectCacheMetrics);
}

export function collectPoolMetrics(): CollectedMetric[] {
  const pool = poolStats();
  return [
    { name: 'db_pool_max_connections', help: 'Configured upper bound of database connections per instance.', type: 'gauge', samples: [{ value: pool.max }] },
    {
      name: 'db_pool_connections',
      help: 'Open database connections of this instance by state.',
      type: 'gauge',
      samples: [
        { labels: { state: 'busy' }, value: pool.busy },
        { labels: { state: 'idle' }, value: pool.idle },
      ],
    },
    { name: 'db_pool_waiting', help: 'Database operations waiting for a connection.', type: 'gauge', samples: [{ value: pool.waiting }] },
  ];
}

/** Each cache counter becomes one Prometheus counter labelled by cache name. */
const CACHE_COUNTERS: ReadonlyArray<{ field: keyof CacheCounters; name: string; help: string }> = [
  { field: 'l1_hits', name: 'cache_l1_hits_total', help: 'Reads served from the instance memory (L1).' },
  { field: 'l2_hits', name: 'cache_l2_hits_total', help: 'Reads served from Redis (L2).' },
  { field: 'misses', name: 'cache_misses_total', help: 'Reads that found nothing usable in L1 or L2.' },
  { field: 'coalesced', name: 'cache_coalesced_total', help: 'Reads that joined a load already running in this instance.' },
  { field: 'stale_served', name: 'cache_stale_served_total', help: 'Stale values served within the grace period because the loader failed.' },
  { field: 'loads', name: 'cache_loads_total', help: 'Loader runs.' },
  { field: 'load_errors', name: 'cache_load_errors_total', help: 'Loader runs that failed.' },
  { field: 'lock_waits', name: 'cache_lock_waits_total', help: 'Misses that waited for another instance loading the same key.' },
  { field: 'lock_timeouts', name: 'cache_lock_timeouts_total', help: 'Lock waits that gave up and loaded anyway.' },
  { field: 'stores_refused', name: 'cache_stores_refused_total', help: 'Loaded values not written to Redis because a newer one was stored or is being loaded.' },
  { field: 'invalidations', name: 'cache_invalidations_total', help: 'Keys invalidated in this instance L1.' },
  { field: 'errors', name: 'cache_redis_errors_total', help: 'Redis operations that failed.' },
  { field: 'l2_bypassed', name: 'cache_l2_bypassed_total', help: 'Redis operations skipped while the circuit breaker was open.' },
];

export function collectCacheMetrics(): CollectedMetric[] {
  const stats = Object.entries(getCacheStats());
  const metrics: CollectedMetric[] = CACHE_COUNTERS.map(({ field, name, help }) => ({
    name,
    help,
    type: 'counter',
    samples: stats.map(([cache, counters]) => ({ labels: { cache }, value: counters[field] })),
  }));
  const health = getCacheHealth();
  metrics.push(
    { name: 'cache_circuit_open', help: '1 while the Redis circuit breaker is open or probing, else 0.', type: 'gauge', samples: [{ value: health.breaker === 'closed' ? 0 : 1 }] },
    { name: 'cache_pending_invalidations', help: 'Invalidations queued for replay until Redis is reachable again.', type: 'gauge', samples: [{ value: health.pendingInvalidations }] },
  );
  return metrics;
}

let lastPostAt: number | undefined;

/**
 * Posts this instance's metrics registry and cache counters to Redis for the fleet view (GET /metrics,
 * the cache statistics route), at most once per INSTANCE_POST_INTERVAL_MS; called by the middleware
 * after each invocation. Never throws: an unreachable Redis costs one fast failure per interval.
 */
export async function publishInstanceFiguresIfDue(now: number = Date.now()): Promise<void> {
  if (lastPostAt !== undefined && now - lastPostAt < INSTANCE_POST_INTERVAL_MS) return;
  lastPostAt = now;
  const results = await Promise.allSettled([publishInstanceMetrics(now), publishCacheStats({ now })]);
  for (const result of results) {
    if (result.status === 'rejected') getLogger().warn('could not publish this instance\'s figures for the fleet view', { error: result.reason as unknown });
  }
}
