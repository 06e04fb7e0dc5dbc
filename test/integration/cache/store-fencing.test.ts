import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCacheBus, createCache, type Cache } from '../../../lib/cache/index.js';
import { decodeEntry } from '../../../lib/cache/entry.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { setEnv } from '../../helpers/config.js';
import { TEST_REDIS_URL, deleteKeysWithPrefix, rawRedis, uniquePrefix } from '../../helpers/redis.js';
import { CacheWorker, sourceKey, type LoadedValue } from './worker-process.js';

/**
 * Two owners of one key's stampede lock: this process (A) loads while its lock expires; the
 * worker process (B) then takes the lock and loads too. A's late store must never replace B's
 * newer value.
 */

const CACHE = 'fenced';
const prefix = uniquePrefix('cache-fencing');
const redis = rawRedis();
/** Owner A, in this process. */
let cache: Cache;
/** Owner B, another instance. */
let other: CacheWorker;
let keyCount = 0;
let restoreEnv = (): void => {};

beforeAll(async () => {
  restoreEnv = setEnv({ CACHE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL });
  cache = createCache({ name: CACHE, ttl: 60_000 });
  await connectCacheBus();
  other = await CacheWorker.start({ CACHE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL });
});

afterAll(async () => {
  await other.stop();
  await closeRedis();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  restoreEnv();
});

/** Starts a read in this process whose loader runs until the test resolves it. */
async function startHeldLoad(key: string): Promise<{ finish: (value: LoadedValue) => void; read: Promise<LoadedValue> }> {
  const started = Promise.withResolvers<void>();
  const result = Promise.withResolvers<LoadedValue>();
  const read = cache.getOrLoad(key, () => {
    started.resolve();
    return result.promise;
  });
  await started.promise;
  return { finish: result.resolve, read };
}

async function storedSource(key: string): Promise<string | null | undefined> {
  const entry = decodeEntry(await redis.get(`${prefix}:${CACHE}:${key}`));
  return entry && (JSON.parse(entry.json) as LoadedValue).source;
}

const lockKey = (key: string): string => `${prefix}:lock:${CACHE}:${key}`;

describe('storing a value loaded under a lost lock', () => {
  it('writes nothing while another owner holds the lock, and that owner stores its newer value', async () => {
    const key = `k${++keyCount}`;
    const a = await startHeldLoad(key);
    // A's lock expires mid-load (e.g. its keep-alive could not reach Redis); the row changes.
    await redis.del(lockKey(key));
    await redis.set(sourceKey(prefix, key), 'v2');
    const holdB = `${prefix}:test:hold:${key}`;
    const readB = other.get(CACHE, key, { holdLoad: holdB });
    await other.waitForEvent((event) => event.event === 'loading' && event.key === key);
    const refusedBefore = cache.counters.stores_refused;

    a.finish({ key, source: 'v1', loadedBy: process.pid });

    expect((await a.read).source).toBe('v1');
    expect(cache.counters.stores_refused).toBe(refusedBefore + 1);
    expect(await redis.exists(`${prefix}:${CACHE}:${key}`)).toBe(0);
    expect(await redis.get(lockKey(key))).not.toBeNull();

    await redis.rpush(holdB, 'go');

    expect((await readB).source).toBe('v2');
    expect(await storedSource(key)).toBe('v2');
    expect((await cache.getOrLoad(key, () => ({ key, source: 'reloaded', loadedBy: process.pid }))).source).toBe('v2');
  });

  it('does not replace a value another owner stored after the lock expired', async () => {
    const key = `k${++keyCount}`;
    const a = await startHeldLoad(key);
    await redis.del(lockKey(key));
    await redis.set(sourceKey(prefix, key), 'v2');
    expect((await other.get(CACHE, key)).source).toBe('v2');
    const refusedBefore = cache.counters.stores_refused;

    a.finish({ key, source: 'v1', loadedBy: process.pid });

    expect((await a.read).source).toBe('v1');
    expect(cache.counters.stores_refused).toBe(refusedBefore + 1);
    expect(await storedSource(key)).toBe('v2');
    // Nor is A's older value kept in its own L1: the next read here is B's value from L2.
    expect((await cache.getOrLoad(key, () => ({ key, source: 'reloaded', loadedBy: process.pid }))).source).toBe('v2');
  });

  it('stores the value when the lock expired and nobody stored anything since', async () => {
    const key = `k${++keyCount}`;
    const a = await startHeldLoad(key);
    await redis.del(lockKey(key));
    const refusedBefore = cache.counters.stores_refused;

    a.finish({ key, source: 'v1', loadedBy: process.pid });

    expect((await a.read).source).toBe('v1');
    expect(cache.counters.stores_refused).toBe(refusedBefore);
    expect(await storedSource(key)).toBe('v1');
  });

  it('replaces the outdated entry it read before loading', async () => {
    const key = `k${++keyCount}`;
    const group = `driver:fencing-${key}`;
    const load = (source: string) => () => ({ key, source, loadedBy: process.pid });
    await cache.getOrLoad(key, load('v1'), { groups: [group] });
    // Outdate it (a write elsewhere) without telling this instance, so it reads the old entry from L2.
    await redis.incr(`${prefix}:group:${group}`);
    cache.clearL1();
    const refusedBefore = cache.counters.stores_refused;

    expect((await cache.getOrLoad(key, load('v2'), { groups: [group] })).source).toBe('v2');

    expect(cache.counters.stores_refused).toBe(refusedBefore);
    expect(await storedSource(key)).toBe('v2');
  });
});
