/**
 * Another function instance, for cross-process cache tests: a separate process with its own L1,
 * Redis connections and instance id, driven through the worker protocol
 * (scripts/bench/worker-protocol.ts) by a CacheWorker in the test process.
 *
 * The loader stands in for the database: it counts its runs in Redis (so a test can count them
 * across processes) and returns the current content of a "source" key, which tests change to
 * simulate a write.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { connectCacheBus, createCache, getCacheStats, onCacheInvalidation, type Cache } from '../../../lib/cache/index.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { sendToParent, serveParent } from '../../../scripts/bench/worker-protocol.js';
import { loadCounterKey, sourceKey, type CacheWorkerCommand, type LoadedValue } from './worker-process.js';

const prefix = process.env.CACHE_PREFIX ?? '';
const control = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const caches = new Map<string, Cache>();

function cacheNamed(name: string): Cache {
  let cache = caches.get(name);
  if (!cache) {
    cache = createCache({ name, ttl: 60_000 });
    caches.set(name, cache);
  }
  return cache;
}

function loaderFor(key: string, delayMs = 0, holdLoad?: string): () => Promise<LoadedValue> {
  return async () => {
    await control.incr(loadCounterKey(prefix, key));
    if (holdLoad !== undefined) {
      sendToParent({ event: 'loading', key });
      // Its own connection: a blocking pop would hold up every other loader on the shared one.
      const blocking = control.duplicate();
      await blocking.blpop(holdLoad, 0).finally(() => blocking.disconnect());
    }
    if (delayMs > 0) await sleep(delayMs);
    return { key, source: await control.get(sourceKey(prefix, key)), loadedBy: process.pid };
  };
}

async function handle(command: CacheWorkerCommand): Promise<object> {
  switch (command.op) {
    case 'get': {
      const value = await cacheNamed(command.cache).getOrLoad(command.key, loaderFor(command.key, command.loadDelayMs, command.holdLoad), {
        groups: command.groups,
      });
      return { value };
    }
    case 'stampede': {
      const cache = cacheNamed(command.cache);
      sendToParent({ event: 'armed' });
      // All workers block on the same list; the test pushes one item per worker to release them together.
      await control.blpop(command.barrier, 30);
      const values = await Promise.all(
        Array.from({ length: command.concurrency }, () => cache.getOrLoad(command.key, loaderFor(command.key, command.loadDelayMs))),
      );
      return { values, stats: getCacheStats()[command.cache] };
    }
    case 'stats':
      return { stats: getCacheStats() };
  }
}

onCacheInvalidation((event) => {
  if (event.source === 'remote') sendToParent({ event: 'invalidated', ...event, at: performance.timeOrigin + performance.now() });
});

await connectCacheBus();
await serveParent(handle, async () => {
  await closeRedis();
  control.disconnect();
});
