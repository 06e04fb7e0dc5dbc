import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConfig } from '../../../lib/config/index.js';
import { GROUP_VERSION_TTL_MS } from '../../../lib/cache/runtime.js';
import { clearCaches, connectCacheBus, createCache, invalidateGroups, type Cache } from '../../../lib/cache/index.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { setEnv } from '../../helpers/config.js';
import { TEST_REDIS_URL, deleteKeysWithPrefix, rawRedis, uniquePrefix } from '../../helpers/redis.js';
import { CacheWorker, loadCounterKey, sourceKey } from './worker-process.js';

const prefix = uniquePrefix('cache-invalidation');
const redis = rawRedis();
let reader: CacheWorker;
let writer: Cache;
let restoreEnv = (): void => {};

const now = (): number => performance.timeOrigin + performance.now();

/**
 * The most an invalidation may take to reach another instance's L1: one Redis command to publish
 * it and one delivery to the subscriber. Anywhere else in the product a Redis call slower than the
 * command timeout counts as a failure, so a delivery slower than two of them is one too. It is far
 * below the entries' TTL, so a pass cannot come from an entry expiring instead.
 */
function deliveryBoundMs(): number {
  return 2 * getConfig().redis.commandTimeoutMs;
}

beforeAll(async () => {
  restoreEnv = setEnv({ CACHE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL });
  // The test process plays the instance that writes; the worker is another instance that reads.
  writer = createCache({ name: 'profiles', ttl: 60_000 });
  await connectCacheBus();
  reader = await CacheWorker.start({ CACHE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL });
});

afterAll(async () => {
  await reader.stop();
  await closeRedis();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  restoreEnv();
});

describe('invalidation across instances', () => {
  it('drops a deleted key from L2 and from another process L1, which then reloads the new value', async () => {
    const key = 'driver-7-profile';
    await redis.set(sourceKey(prefix, key), 'v1');
    expect((await reader.get('profiles', key)).source).toBe('v1');

    // The database changes; until an invalidation arrives the reader keeps serving its L1 copy.
    await redis.set(sourceKey(prefix, key), 'v2');
    expect((await reader.get('profiles', key)).source).toBe('v1');
    expect(await redis.get(loadCounterKey(prefix, key))).toBe('1');

    const sentAt = now();
    await writer.delete(key);
    const event = await reader.waitForEvent((e) => e.event === 'invalidated' && e.key === key);

    expect(await redis.exists(`${prefix}:profiles:${key}`)).toBe(0);
    expect((await reader.get('profiles', key)).source).toBe('v2');
    expect(await redis.get(loadCounterKey(prefix, key))).toBe('2');
    expect((event.at as number) - sentAt).toBeLessThanOrEqual(deliveryBoundMs());
  });

  it('drops every entry of an invalidated group from another process L1 and outdates them in L2', async () => {
    const group = 'driver:8';
    const keys = ['driver-8-profile', 'driver-8-dashboard'];
    const untouched = 'driver-9-profile';
    for (const key of [...keys, untouched]) await redis.set(sourceKey(prefix, key), 'v1');
    for (const key of keys) await reader.get('profiles', key, { groups: [group] });
    await reader.get('profiles', untouched, { groups: ['driver:9'] });
    for (const key of [...keys, untouched]) await redis.set(sourceKey(prefix, key), 'v2');

    const sentAt = now();
    await invalidateGroups(group);
    const event = await reader.waitForEvent((e) => e.event === 'invalidated' && e.group === group);

    for (const key of keys) {
      expect((await reader.get('profiles', key, { groups: [group] })).source).toBe('v2');
      expect(await redis.get(loadCounterKey(prefix, key))).toBe('2');
    }
    expect((await reader.get('profiles', untouched, { groups: ['driver:9'] })).source).toBe('v1');
    expect(await redis.get(loadCounterKey(prefix, untouched))).toBe('1');
    expect((event.at as number) - sentAt).toBeLessThanOrEqual(deliveryBoundMs());
  });

  it('outdates many groups with one bus message: another process drops all of them and reloads every entry', async () => {
    const groups = Array.from({ length: 300 }, (_, i) => `driver-trips:${1000 + i}`);
    const keyOf = (group: string): string => `${group}-list`;
    for (const group of groups) {
      await redis.set(sourceKey(prefix, keyOf(group)), 'v1');
      await reader.get('profiles', keyOf(group), { groups: [group] });
      await redis.set(sourceKey(prefix, keyOf(group)), 'v2');
    }
    const listener = redis.duplicate();
    const messages: string[] = [];
    listener.on('message', (_channel: string, text: string) => messages.push(text));
    await listener.subscribe(`${prefix}:bus`);
    try {
      expect(await invalidateGroups(...groups)).toBe(true);
      for (const group of groups) await reader.waitForEvent((e) => e.event === 'invalidated' && e.group === group);
      // Published before the script returned; the listener's connection delivers it within a round trip.
      for (let i = 0; i < 50 && messages.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      await listener.quit();
    }

    expect(messages).toHaveLength(1);
    for (const group of groups) {
      expect(await redis.get(`${prefix}:group:${group}`)).toBe('1');
      const ttl = await redis.pttl(`${prefix}:group:${group}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(GROUP_VERSION_TTL_MS);
      expect((await reader.get('profiles', keyOf(group), { groups: [group] })).source).toBe('v2');
      expect(await redis.get(loadCounterKey(prefix, keyOf(group)))).toBe('2');
    }
  });

  it('empties whole caches: their entries leave Redis and another process L1, and other caches keep theirs', async () => {
    const keys = ['driver-1', 'driver-2'];
    for (const key of [...keys, 'kept']) await redis.set(sourceKey(prefix, key), 'v1');
    for (const key of keys) await reader.get('reseeded', key);
    await reader.get('profiles', 'kept');
    for (const key of [...keys, 'kept']) await redis.set(sourceKey(prefix, key), 'v2');

    const sentAt = now();
    expect(await clearCaches(['reseeded'])).toBe(true);
    const event = await reader.waitForEvent((e) => e.event === 'invalidated' && e.cache === 'reseeded' && e.key === undefined);

    for (const key of keys) {
      expect(await redis.exists(`${prefix}:reseeded:${key}`)).toBe(0);
      expect((await reader.get('reseeded', key)).source).toBe('v2');
      expect(await redis.get(loadCounterKey(prefix, key))).toBe('2');
    }
    expect(await redis.exists(`${prefix}:profiles:kept`)).toBe(1);
    expect((await reader.get('profiles', 'kept')).source).toBe('v1');
    expect((event.at as number) - sentAt).toBeLessThanOrEqual(deliveryBoundMs());
  });
});
