import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConfig } from '../../../lib/config/index.js';
import { clearCaches, connectCacheBus, createCache, getCacheStats, invalidateGroups } from '../../../lib/cache/index.js';
import { WARM_PIPELINE_ENTRIES } from '../../../lib/cache/write.js';
import { decodeMessage } from '../../../lib/cache/messages.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { startHeldLoad } from '../../helpers/cache.js';
import { setEnv, withEnv } from '../../helpers/config.js';
import { TEST_REDIS_URL, deleteKeysWithPrefix, rawRedis, uniquePrefix } from '../../helpers/redis.js';

const prefix = uniquePrefix('cache');
const redis = rawRedis();
let cacheCount = 0;
let restoreEnv = (): void => {};

/** Each test gets its own cache name, so counters start at zero and keys never overlap. */
const uniqueName = (): string => `c${++cacheCount}`;

/** A loader that counts its calls and returns the count (so a reload is visible in the value). */
function countingLoader<T>(produce: (call: number) => T = (call) => call as T): { load: () => Promise<T>; calls: () => number } {
  let calls = 0;
  return { load: () => Promise.resolve(produce(++calls)), calls: () => calls };
}

beforeAll(async () => {
  restoreEnv = setEnv({ CACHE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL, CACHE_LOCK_WAIT_MS: '300' });
  await connectCacheBus();
});

afterAll(async () => {
  await closeRedis();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  restoreEnv();
});

describe('getOrLoad', () => {
  it('loads a missing key once, then serves it from L1', async () => {
    const cache = createCache({ name: uniqueName(), ttl: 60_000 });
    const loader = countingLoader();

    const first = await cache.getOrLoad('k', loader.load);
    const second = await cache.getOrLoad('k', loader.load);

    expect([first, second]).toEqual([1, 1]);
    expect(loader.calls()).toBe(1);
    expect(cache.counters).toMatchObject({ misses: 1, loads: 1, l1_hits: 1 });
  });

  it('serves a value another instance stored from L2 when L1 does not have it', async () => {
    const cache = createCache({ name: uniqueName(), ttl: 60_000 });
    const loader = countingLoader();
    await cache.getOrLoad('k', loader.load);
    cache.clearL1();

    expect(await cache.getOrLoad('k', loader.load)).toBe(1);
    expect(loader.calls()).toBe(1);
    expect(cache.counters.l2_hits).toBe(1);
  });

  it('stores the value JSON once in Redis under prefix:name:key, with its expiry header', async () => {
    const name = uniqueName();
    const cache = createCache({ name, ttl: 60_000, grace: 30_000 });

    await cache.getOrLoad('driver:1', () => ({ id: 1, name: 'Ada' }));

    const raw = await redis.get(`${prefix}:${name}:driver:1`);
    expect(raw).toMatch(/^1\|\d+\|\|\{"id":1,"name":"Ada"\}$/);
    const ttl = await redis.pttl(`${prefix}:${name}:driver:1`);
    expect(ttl).toBeGreaterThan(60_000);
    expect(ttl).toBeLessThanOrEqual(90_000);
  });

  it('returns the JSON form of a value from L1 and from L2 alike', async () => {
    const cache = createCache({ name: uniqueName(), ttl: 60_000 });
    const load = (): { at: Date } => ({ at: new Date(0) });

    const loaded = await cache.getOrLoad('k', load);
    const fromL1 = await cache.getOrLoad('k', load);
    cache.clearL1();
    const fromL2 = await cache.getOrLoad('k', load);

    expect(loaded).toEqual({ at: '1970-01-01T00:00:00.000Z' });
    expect(fromL1).toEqual(loaded);
    expect(fromL2).toEqual(loaded);
  });

  it('shares one load between concurrent misses in one instance', async () => {
    const cache = createCache({ name: uniqueName(), ttl: 60_000 });
    let calls = 0;
    const slow = async (): Promise<string> => {
      calls++;
      await sleep(50);
      return 'value';
    };

    const values = await Promise.all(Array.from({ length: 100 }, () => cache.getOrLoad('k', slow)));

    expect(new Set(values)).toEqual(new Set(['value']));
    expect(calls).toBe(1);
    expect(cache.counters).toMatchObject({ misses: 1, coalesced: 99 });
  });

  it('reloads after the TTL has passed', async () => {
    const cache = createCache({ name: uniqueName(), ttl: 50 });
    const loader = countingLoader();
    await cache.getOrLoad('k', loader.load);

    await sleep(80);

    expect(await cache.getOrLoad('k', loader.load)).toBe(2);
  });

  it('keeps at most l1MaxEntries in L1, evicting the least recently used', async () => {
    const cache = createCache({ name: uniqueName(), ttl: 60_000, l1MaxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) await cache.getOrLoad(key, () => key);

    for (const key of ['c', 'd', 'e']) await cache.getOrLoad(key, () => 'reloaded');
    expect(cache.counters.l1_hits).toBe(3);
    expect(await cache.getOrLoad('a', () => 'reloaded')).toBe('a');
    expect(cache.counters.l2_hits).toBe(1);
  });

  it('does not cache at all when CACHE_ENABLED is false', async () => {
    const name = uniqueName();
    const cache = await withEnv({ CACHE_ENABLED: 'false' }, () => createCache({ name, ttl: 60_000 }));
    const loader = countingLoader();

    await cache.getOrLoad('k', loader.load);
    await cache.getOrLoad('k', loader.load);

    expect(loader.calls()).toBe(2);
    expect(await redis.exists(`${prefix}:${name}:k`)).toBe(0);
  });
});

describe('grace period', () => {
  it('serves the expired value when the loader fails within the grace period', async () => {
    const cache = createCache({ name: uniqueName(), ttl: 50, grace: 60_000 });
    await cache.getOrLoad('k', () => 'old');
    await sleep(80);

    const value = await cache.getOrLoad('k', () => Promise.reject(new Error('database down')));

    expect(value).toBe('old');
    expect(cache.counters).toMatchObject({ stale_served: 1, load_errors: 1 });
  });

  it('serves the expired value from L2 when this instance has none in L1', async () => {
    const cache = createCache({ name: uniqueName(), ttl: 50, grace: 60_000 });
    await cache.getOrLoad('k', () => 'old');
    cache.clearL1();
    await sleep(80);

    expect(await cache.getOrLoad('k', () => Promise.reject(new Error('database down')))).toBe('old');
  });

  it('rethrows the loader error when there is no grace period', async () => {
    const cache = createCache({ name: uniqueName(), ttl: 50 });
    await cache.getOrLoad('k', () => 'old');
    await sleep(80);

    await expect(cache.getOrLoad('k', () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
  });

  it('never serves a value that was explicitly invalidated', async () => {
    const cache = createCache({ name: uniqueName(), ttl: 60_000, grace: 60_000 });
    await cache.getOrLoad('k', () => 'old');
    await cache.delete('k');

    await expect(cache.getOrLoad('k', () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
  });
});

describe('invalidation', () => {
  it('delete removes the key from L1 and L2', async () => {
    const name = uniqueName();
    const cache = createCache({ name, ttl: 60_000 });
    const loader = countingLoader();
    await cache.getOrLoad('k', loader.load);

    await cache.delete('k');

    expect(await redis.exists(`${prefix}:${name}:k`)).toBe(0);
    expect(await cache.getOrLoad('k', loader.load)).toBe(2);
  });

  it('a group invalidation outdates the group entries of every cache and leaves other groups alone', async () => {
    const profiles = createCache({ name: uniqueName(), ttl: 60_000 });
    const dashboards = createCache({ name: uniqueName(), ttl: 60_000 });
    const loader = countingLoader();
    await profiles.getOrLoad('5', loader.load, { groups: ['driver:5'] });
    await dashboards.getOrLoad('5', loader.load, { groups: ['driver:5', 'fleet'] });
    await profiles.getOrLoad('6', loader.load, { groups: ['driver:6'] });

    await invalidateGroups('driver:5');

    expect(await profiles.getOrLoad('5', loader.load, { groups: ['driver:5'] })).toBe(4);
    expect(await dashboards.getOrLoad('5', loader.load, { groups: ['driver:5', 'fleet'] })).toBe(5);
    expect(await profiles.getOrLoad('6', loader.load, { groups: ['driver:6'] })).toBe(3);
  });

  it('a group invalidation outdates the L2 entry, so an instance without the L1 copy reloads too', async () => {
    const cache = createCache({ name: uniqueName(), ttl: 60_000, l1Ttl: 0 });
    const loader = countingLoader();
    await cache.getOrLoad('k', loader.load, { groups: ['driver:11'] });
    expect(await cache.getOrLoad('k', loader.load, { groups: ['driver:11'] })).toBe(1);

    await invalidateGroups('driver:11');

    expect(await cache.getOrLoad('k', loader.load, { groups: ['driver:11'] })).toBe(2);
    expect(await redis.get(`${prefix}:group:driver:11`)).toBe('1');
  });

  it('does not store the result of a load that was running when its key was invalidated', async () => {
    const name = uniqueName();
    const cache = createCache({ name, ttl: 60_000 });
    const loaderStarted = Promise.withResolvers<void>();
    const loaderResult = Promise.withResolvers<string>();
    const inFlight = cache.getOrLoad('k', () => {
      loaderStarted.resolve();
      return loaderResult.promise;
    });
    await loaderStarted.promise;

    await cache.delete('k');
    loaderResult.resolve('before write');

    expect(await inFlight).toBe('before write');
    expect(await redis.exists(`${prefix}:${name}:k`)).toBe(0);
    expect(await cache.getOrLoad('k', () => 'after write')).toBe('after write');
  });
});

describe('stampede lock', () => {
  it('loads anyway after CACHE_LOCK_WAIT_MS when another owner holds the lock, and leaves that owner lock alone', async () => {
    const name = uniqueName();
    const cache = createCache({ name, ttl: 60_000 });
    const lockKey = `${prefix}:lock:${name}:k`;
    await redis.set(lockKey, 'another-instance', 'PX', 10_000);

    expect(await cache.getOrLoad('k', () => 'loaded')).toBe('loaded');

    expect(cache.counters).toMatchObject({ lock_waits: 1, lock_timeouts: 1, loads: 1 });
    expect(getConfig().cache.lockWaitMs).toBe(300);
    expect(await redis.get(lockKey)).toBe('another-instance');
    expect(await redis.exists(`${prefix}:${name}:k`)).toBe(1);
  });

  it('releases its own lock after storing the value', async () => {
    const name = uniqueName();
    const cache = createCache({ name, ttl: 60_000 });

    await cache.getOrLoad('k', () => 'loaded');

    expect(await redis.exists(`${prefix}:lock:${name}:k`)).toBe(0);
  });
});

describe('warm', () => {
  it('stores given values so the next read anywhere is a hit', async () => {
    const cache = createCache({ name: uniqueName(), ttl: 60_000 });
    await cache.warm([{ key: 'a', value: { score: 80 } }]);
    cache.clearL1();

    expect(await cache.getOrLoad('a', () => ({ score: 0 }))).toEqual({ score: 80 });
    expect(cache.counters).toMatchObject({ l2_hits: 1, loads: 0 });
  });

  it('loads keys with the loader, records their groups, and a group invalidation outdates them', async () => {
    const cache = createCache({ name: uniqueName(), ttl: 60_000 });
    await cache.warm(['21', '22'], (key) => `score-${key}`, { groups: (key) => [`driver:${key}`] });

    expect(await cache.getOrLoad('21', () => 'miss', { groups: ['driver:21'] })).toBe('score-21');
    await invalidateGroups('driver:21');
    cache.clearL1();
    expect(await cache.getOrLoad('21', () => 'reloaded', { groups: ['driver:21'] })).toBe('reloaded');
    expect(await cache.getOrLoad('22', () => 'miss', { groups: ['driver:22'] })).toBe('score-22');
  });

  it('warms every other key when one loader fails, counts the failure and reports which key failed', async () => {
    const cache = createCache({ name: uniqueName(), ttl: 60_000 });
    const failure = new Error('driver 32 not scorable');
    const loader = (key: string): string => {
      if (key === '32') throw failure;
      return `score-${key}`;
    };

    const result = await cache.warm(['31', '32', '33', '34'], loader, { concurrency: 2 });

    expect(result.failed).toEqual([{ key: '32', error: failure }]);
    expect(result.warmed.toSorted()).toEqual(['31', '33', '34']);
    expect(cache.counters).toMatchObject({ loads: 4, load_errors: 1 });
    cache.clearL1();
    for (const key of ['31', '33', '34']) expect(await cache.getOrLoad(key, () => 'miss')).toBe(`score-${key}`);
    expect(await cache.getOrLoad('32', () => 'loaded on read')).toBe('loaded on read');
  });

  it('announces a warm of many keys with one bus message per pipeline, naming every key', async () => {
    const name = uniqueName();
    const cache = createCache({ name, ttl: 60_000 });
    const keys = Array.from({ length: 1200 }, (_, i) => `current:${i}`);
    const listener = redis.duplicate();
    const messages: string[] = [];
    listener.on('message', (_channel: string, text: string) => messages.push(text));
    await listener.subscribe(`${prefix}:bus`);
    try {
      await cache.warm(keys.map((key) => ({ key, value: { key } })));
      for (let i = 0; i < 50 && messages.length < Math.ceil(keys.length / WARM_PIPELINE_ENTRIES); i++) await sleep(10);
    } finally {
      await listener.quit();
    }

    const announced = messages.map((text) => decodeMessage(text));
    expect(announced.map((m) => m?.kind)).toEqual(Array.from({ length: Math.ceil(keys.length / WARM_PIPELINE_ENTRIES) }, () => 'keys'));
    expect(announced.flatMap((m) => (m?.kind === 'keys' && m.cache === name ? m.keys : []))).toEqual(keys);
    expect(await redis.exists(keys.map((key) => `${prefix}:${name}:${key}`))).toBe(keys.length);
  });

  it('with l1Ttl 0 stores in Redis only, and drops the older value this instance held in L1', async () => {
    const cache = createCache({ name: uniqueName(), ttl: 60_000 });
    expect(await cache.getOrLoad('s', () => 'old')).toBe('old');

    await cache.warm([{ key: 's', value: 'new', l1Ttl: 0 }]);

    expect(await cache.getOrLoad('s', () => 'loaded')).toBe('new');
    expect(cache.counters).toMatchObject({ l1_hits: 0, l2_hits: 1, loads: 1 });
  });

  it('reports the given entries as warmed', async () => {
    const cache = createCache({ name: uniqueName(), ttl: 60_000 });

    expect(await cache.warm([{ key: 'x', value: 1 }, { key: 'y', value: 2 }])).toEqual({ warmed: ['x', 'y'], failed: [] });
  });
});

describe('getCacheStats', () => {
  it('reports a copy of the counters of every cache, by name', async () => {
    const name = uniqueName();
    const cache = createCache({ name, ttl: 60_000 });
    await cache.getOrLoad('k', () => 'v');
    await cache.getOrLoad('k', () => 'v');

    const stats = getCacheStats();
    cache.counters.l1_hits += 10;

    expect(stats[name]).toMatchObject({ misses: 1, loads: 1, l1_hits: 1 });
  });
});

describe('clearCaches', () => {
  it('keeps a load that was in progress from storing its (older) value, here and in Redis', async () => {
    const name = uniqueName();
    const cache = createCache({ name, ttl: 60_000 });
    const first = await startHeldLoad(cache, '42', 'old driver 42');

    expect(await clearCaches([name])).toBe(true);
    first.release();

    // The caller still gets what it loaded; the cache keeps none of it.
    expect(await first.result).toBe('old driver 42');
    expect(await redis.exists(`${prefix}:${name}:42`)).toBe(0);
    expect(await cache.getOrLoad('42', () => 'new driver 42')).toBe('new driver 42');
  });

  it('refuses a name that is another key space under the prefix, whose keys it would delete', async () => {
    for (const name of ['group', 'lock', 'push', 'metrics', 'login-throttle', 'stats']) {
      await expect(clearCaches([name])).rejects.toThrow(`Invalid cache name "${name}"`);
    }
  });
});
