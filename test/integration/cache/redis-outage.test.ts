import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getConfig } from '../../../lib/config/index.js';
import { connectCacheBus, createCache, getCacheHealth, invalidateGroups, type Cache } from '../../../lib/cache/index.js';
import { closeRedis, pingRedis } from '../../../lib/redis/index.js';
import { startHeldLoad } from '../../helpers/cache.js';
import { setEnv } from '../../helpers/config.js';
import { PrivateRedisServer, rawRedis, uniquePrefix } from '../../helpers/redis.js';

// This file stops Redis, so it runs its own redis-server; the shared one is never touched.
let server: PrivateRedisServer;
let restoreEnv = (): void => {};

beforeAll(async () => {
  server = await PrivateRedisServer.start();
  restoreEnv = setEnv({
    REDIS_URL: server.url,
    CACHE_PREFIX: uniquePrefix('cache-outage'),
    CACHE_BREAKER_THRESHOLD: '3',
    CACHE_BREAKER_COOLDOWN_MS: '200',
    REDIS_COMMAND_TIMEOUT_MS: '100',
  });
  await connectCacheBus();
});

afterAll(async () => {
  await closeRedis();
  await server.kill();
  restoreEnv();
});

/** The most one read may spend on Redis before falling back: a first connection plus one command. */
function readBoundMs(): number {
  const { redis } = getConfig();
  return redis.connectTimeoutMs + redis.commandTimeoutMs;
}

async function timed<T>(read: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await read();
  return { value, ms: performance.now() - started };
}

async function untilRedisAnswers(): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await pingRedis();
      return;
    } catch {
      await sleep(50);
    }
  }
  throw new Error('Redis did not come back');
}

/** Waits until Redis answers and the breaker has closed again (any read through it closes it then). */
async function untilBreakerCloses(cache: Cache): Promise<void> {
  await untilRedisAnswers();
  for (let attempt = 0; attempt < 100 && getCacheHealth().breaker !== 'closed'; attempt++) {
    await sleep(getConfig().cache.breakerCooldownMs);
    await cache.getOrLoad('probe', () => 0);
  }
}

describe('cache when Redis fails', () => {
  it('keeps answering from the loader when Redis dies, opens the breaker, and caches again once Redis is back', async () => {
    const { breakerThreshold, breakerCooldownMs } = getConfig().cache;
    // L1 off: every read has to go through L2, so what Redis does is visible in every read.
    const cache = createCache({ name: 'outage', ttl: 60_000, l1Ttl: 0 });
    let loads = 0;
    const loader = (): { loads: number } => ({ loads: ++loads });

    await cache.getOrLoad('k', loader);
    await cache.getOrLoad('k', loader);
    expect(loads).toBe(1);
    expect(cache.counters.l2_hits).toBe(1);

    await server.kill();
    const reads = 20;
    const outage = [];
    for (let i = 0; i < reads; i++) outage.push(await timed(() => cache.getOrLoad('k', loader)));

    expect(outage.map((read) => read.value.loads)).toEqual(Array.from({ length: reads }, (_, i) => i + 2));
    expect(cache.counters.errors).toBe(breakerThreshold);
    expect(cache.counters.l2_bypassed).toBe(reads - breakerThreshold);
    expect(getCacheHealth().breaker).toBe('open');
    expect(Math.max(...outage.map((read) => read.ms))).toBeLessThanOrEqual(readBoundMs());

    // Writes during the outage: their invalidations wait for Redis instead of being lost.
    await cache.delete('k');
    await cache.warm([{ key: 'scored', value: 'new score' }]);
    expect(getCacheHealth().pendingInvalidations).toBe(2);

    await server.start();
    await untilRedisAnswers();
    await sleep(breakerCooldownMs);
    const loadsBeforeRecovery = loads;
    await cache.getOrLoad('k', loader);
    expect(getCacheHealth().breaker).toBe('closed');
    expect(getCacheHealth().pendingInvalidations).toBe(0);
    const cached = await cache.getOrLoad('k', loader);

    expect(loads).toBe(loadsBeforeRecovery + 1);
    expect(cached.loads).toBe(loads);
  });

  it('bounds reads by the command timeout while Redis hangs, then stops asking Redis once the breaker opens', async () => {
    const { breakerThreshold } = getConfig().cache;
    const cache = createCache({ name: 'hang', ttl: 60_000, l1Ttl: 0 });
    let loads = 0;
    const loader = (): number => ++loads;
    await cache.getOrLoad('k', loader);

    server.pause();
    try {
      const timedOut = [];
      for (let i = 0; i < breakerThreshold; i++) timedOut.push(await timed(() => cache.getOrLoad('k', loader)));
      expect(timedOut.map((read) => read.value)).toEqual(Array.from({ length: breakerThreshold }, (_, i) => i + 2));
      expect(cache.counters.errors).toBe(breakerThreshold);
      expect(getCacheHealth().breaker).toBe('open');
      expect(Math.max(...timedOut.map((read) => read.ms))).toBeLessThanOrEqual(readBoundMs());

      // A read with L1 off makes one Redis call, which either goes to Redis (and, Redis hanging,
      // fails: `errors`) or is turned away by the open breaker (`l2_bypassed`).
      const bypassed = [];
      for (let i = 0; i < 5; i++) {
        const before = { ...cache.counters };
        bypassed.push(await timed(() => cache.getOrLoad('k', loader)));
        expect(cache.counters.l2_bypassed).toBe(before.l2_bypassed + 1);
        expect(cache.counters.errors).toBe(before.errors);
      }
      expect(bypassed.map((read) => read.value)).toEqual(Array.from({ length: 5 }, (_, i) => breakerThreshold + i + 2));
      // A read that asked the hanging Redis would have waited the whole command timeout; these did not ask it.
      expect(Math.max(...bypassed.map((read) => read.ms))).toBeLessThan(getConfig().redis.commandTimeoutMs);
      expect(getCacheHealth().breaker).toBe('open');
    } finally {
      server.resume();
    }
  });

  it('replays a many-group invalidation made while Redis hung as one script run and one bus message, outdating the entries in L2', async () => {
    const { breakerCooldownMs } = getConfig().cache;
    const cache = createCache({ name: 'replay', ttl: 60_000, l1Ttl: 0 });
    const groups = Array.from({ length: 50 }, (_, i) => `driver-events:${i}`);
    const loads = new Map<string, number>();
    const loader = (group: string) => (): number => {
      const count = (loads.get(group) ?? 0) + 1;
      loads.set(group, count);
      return count;
    };
    // The test before leaves the breaker open: wait for it to close before filling L2.
    await untilBreakerCloses(cache);
    for (const group of groups) await cache.getOrLoad(group, loader(group), { groups: [group] });
    for (const group of groups) expect(await cache.getOrLoad(group, loader(group), { groups: [group] })).toBe(1);

    const control = rawRedis(server.url);
    const listener = rawRedis(server.url);
    const messages: string[] = [];
    listener.on('message', (_channel: string, text: string) => messages.push(text));
    await listener.subscribe(`${getConfig().cache.prefix}:bus`);
    try {
      // Paused, not killed: the entries stay in L2, so only the replayed versions can outdate them.
      server.pause();
      try {
        expect(await invalidateGroups(...groups)).toBe(false);
        expect(getCacheHealth().pendingInvalidations).toBe(groups.length);
      } finally {
        server.resume();
      }
      await sleep(breakerCooldownMs);
      for (let attempt = 0; attempt < 100; attempt++) {
        // Any call through the breaker closes it once Redis answers; closing replays the queue.
        await cache.getOrLoad('probe', () => 0);
        if ((await control.get(`${getConfig().cache.prefix}:group:${groups.at(-1)}`)) === '1') break;
        await sleep(20);
      }
      for (let i = 0; i < 50 && messages.length === 0; i++) await sleep(10);
      expect(getCacheHealth().pendingInvalidations).toBe(0);
      expect(await control.mget(groups.map((group) => `${getConfig().cache.prefix}:group:${group}`))).toEqual(groups.map(() => '1'));
      expect(messages).toHaveLength(1);
      for (const group of groups) expect(await cache.getOrLoad(group, loader(group), { groups: [group] })).toBe(2);
    } finally {
      listener.disconnect();
      control.disconnect();
    }
  });

  it('drops L1 and stores no load in progress when the bus subscription comes back: invalidations sent while it was gone are lost', async () => {
    const cache = createCache({ name: 'bus-gap', ttl: 60_000, l1Ttl: 60_000 });
    await untilBreakerCloses(cache);
    await connectCacheBus();
    let loads = 0;
    await cache.getOrLoad('held', () => ++loads);
    const inFlight = await startHeldLoad(cache, 'loading', 'read before the gap');

    const control = rawRedis(server.url);
    try {
      const subscriberIds = async (): Promise<string[]> => ((await control.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string).match(/(?<=^id=)\d+/gm) ?? [];
      const [lost] = await subscriberIds();
      expect(lost).toBeDefined();
      // Only the bus connection drops (the command connection and the load's lock stay), as when a
      // network blip or a Redis failover cuts the subscriber alone.
      await control.call('CLIENT', 'KILL', 'ID', lost as string);
      for (let attempt = 0; attempt < 200; attempt++) {
        const ids = await subscriberIds();
        if (ids.length > 0 && !ids.includes(lost as string) && getCacheHealth().bus === 'listening') break;
        await sleep(10);
      }
      expect(await subscriberIds()).not.toContain(lost);
      expect(getCacheHealth().bus).toBe('listening');
    } finally {
      control.disconnect();
    }
    inFlight.release();

    // The caller gets its value, but it may predate an invalidation the gap swallowed: neither L1
    // nor L2 keeps it, and the entry cached before the gap is read again from L2, not from L1.
    expect(await inFlight.result).toBe('read before the gap');
    const l1Hits = cache.counters.l1_hits;
    expect(await cache.getOrLoad('loading', () => 'read after the gap')).toBe('read after the gap');
    expect(await cache.getOrLoad('held', () => ++loads)).toBe(1);
    expect(cache.counters.l1_hits).toBe(l1Hits);
  });
});
