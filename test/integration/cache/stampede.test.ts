import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CacheCounters } from '../../../lib/cache/index.js';
import { TEST_REDIS_URL, deleteKeysWithPrefix, rawRedis, uniquePrefix } from '../../helpers/redis.js';
import { CacheWorker, allReady, loadCounterKey, sourceKey, type LoadedValue } from './worker-process.js';

const PROCESSES = 4;
const REQUESTS_PER_PROCESS = 50;
const LOADER_MS = 200;

const prefix = uniquePrefix('cache-stampede');
const redis = rawRedis();
let workers: CacheWorker[] = [];

beforeAll(async () => {
  workers = Array.from({ length: PROCESSES }, () => new CacheWorker({ CACHE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL }));
  await allReady(workers);
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('stampede protection across instances', () => {
  it('runs the loader exactly once when 4 processes x 50 requests miss the same cold key together', async () => {
    const key = 'cold-key';
    const barrier = `${prefix}:test:barrier`;
    await redis.set(sourceKey(prefix, key), 'row-v1');

    const results = workers.map((worker) =>
      worker.request<{ values: LoadedValue[]; stats: CacheCounters }>({
        op: 'stampede',
        cache: 'stampede',
        key,
        concurrency: REQUESTS_PER_PROCESS,
        barrier,
        loadDelayMs: LOADER_MS,
      }),
    );
    await Promise.all(workers.map((worker) => worker.waitForEvent((event) => event.event === 'armed')));
    await redis.rpush(barrier, ...Array.from({ length: PROCESSES }, () => 'go'));
    const replies = await Promise.all(results);

    const values = replies.flatMap((reply) => reply.values);
    expect(values).toHaveLength(PROCESSES * REQUESTS_PER_PROCESS);
    expect(await redis.get(loadCounterKey(prefix, key))).toBe('1');
    const loaders = new Set(values.map((value) => value.loadedBy));
    expect(loaders.size).toBe(1);
    expect(new Set(values.map((value) => value.source))).toEqual(new Set(['row-v1']));
    // One process held the lock and loaded; every other one found the lock taken, waited for the
    // holder (one wait per process: its 50 requests share one flight) and read the holder's value.
    const loaderProcess = replies.filter((reply) => reply.stats.loads === 1);
    const waitingProcesses = replies.filter((reply) => reply.stats.loads === 0);
    expect(loaderProcess).toHaveLength(1);
    expect(loaderProcess[0]?.stats.lock_waits).toBe(0);
    expect(waitingProcesses).toHaveLength(PROCESSES - 1);
    for (const reply of waitingProcesses) {
      expect(reply.stats).toMatchObject({ lock_waits: 1, lock_timeouts: 0, loads: 0 });
      expect(reply.values.every((value) => value.loadedBy === loaderProcess[0]?.values[0]?.loadedBy)).toBe(true);
    }
  });
});
