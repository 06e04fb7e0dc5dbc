/**
 * Another function instance, for cross-process cache tests: a separate process with its own L1,
 * Redis connections and instance id. Driven by JSON commands on stdin; answers with JSON lines on
 * stdout prefixed by `@@` (anything else on stdout is log output and ignored).
 *
 * The loader stands in for the database: it counts its runs in Redis (so a test can count them
 * across processes) and returns the current content of a "source" key, which tests change to
 * simulate a write.
 */
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { connectCacheBus, createCache, getCacheStats, onCacheInvalidation, type Cache } from '../../../lib/cache/index.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { loadCounterKey, sourceKey, type LoadedValue, type WorkerCommand } from './worker-process.js';

const prefix = process.env.CACHE_PREFIX ?? '';
const control = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const caches = new Map<string, Cache>();

function reply(message: object): void {
  process.stdout.write(`@@${JSON.stringify(message)}\n`);
}

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
      reply({ event: 'loading', key });
      // Its own connection: a blocking pop would hold up every other loader on the shared one.
      const blocking = control.duplicate();
      await blocking.blpop(holdLoad, 0).finally(() => blocking.disconnect());
    }
    if (delayMs > 0) await sleep(delayMs);
    return { key, source: await control.get(sourceKey(prefix, key)), loadedBy: process.pid };
  };
}

async function handle(command: WorkerCommand): Promise<void> {
  switch (command.op) {
    case 'get': {
      const value = await cacheNamed(command.cache).getOrLoad(command.key, loaderFor(command.key, command.loadDelayMs, command.holdLoad), {
        groups: command.groups,
      });
      reply({ id: command.id, value });
      return;
    }
    case 'stampede': {
      const cache = cacheNamed(command.cache);
      reply({ event: 'armed' });
      // All workers block on the same list; the test pushes one item per worker to release them together.
      await control.blpop(command.barrier, 30);
      const values = await Promise.all(
        Array.from({ length: command.concurrency }, () => cache.getOrLoad(command.key, loaderFor(command.key, command.loadDelayMs))),
      );
      reply({ id: command.id, values, stats: getCacheStats()[command.cache] });
      return;
    }
    case 'stats':
      reply({ id: command.id, stats: getCacheStats() });
      return;
    case 'exit':
      await closeRedis();
      control.disconnect();
      reply({ id: command.id });
      process.exit(0);
  }
}

onCacheInvalidation((event) => {
  if (event.source === 'remote') reply({ event: 'invalidated', ...event, at: performance.timeOrigin + performance.now() });
});

await connectCacheBus();
reply({ ready: true });
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim()) {
    handle(JSON.parse(line) as WorkerCommand).catch((error: unknown) => {
      const commandId = (JSON.parse(line) as { id: number }).id;
      reply({ id: commandId, error: error instanceof Error ? error.message : String(error) });
    });
  }
}
