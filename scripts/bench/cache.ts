/**
 * `npm run bench:cache`: latency of the two-level cache against the local Redis.
 *
 *   L1 hit        getOrLoad of a key held in this instance's memory
 *   L2 hit        getOrLoad with L1 turned off: one MGET (value + group version) and a JSON parse
 *   miss + load   getOrLoad of a new key each time: MGET, lock + re-read, loader, store + release
 *   propagation   delete() in this process until a second process has dropped the key from its
 *                 L1 (both read performance.timeOrigin + performance.now(), one host, one clock)
 *
 * Prints percentiles per measurement and ends with one line:
 *   cache l1_p95_us=N l2_p95_us=N propagation_p99_ms=N
 * Targets on the reference machine: L1 p95 < 20 us, L2 p95 < 1 ms, propagation p99 < 5 ms.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { resetConfig } from '../../lib/config/index.js';
import { connectCacheBus, createCache, onCacheInvalidation, type Cache } from '../../lib/cache/index.js';
import { closeRedis, getRedis } from '../../lib/redis/index.js';
import { formatSummary, summarize, type Summary } from './stats.js';
import { WorkerProcess, sendToParent, serveParent } from './worker-protocol.js';

const OPERATIONS = 10_000;
const WARMUP = 2_000;
const L1_OPERATIONS = 50_000;
const BUS_CACHE = 'bench-bus';
const GROUP = 'driver:bench';

/** A dashboard-sized value (about 1 KB of JSON), like what the read endpoints cache. */
const PAYLOAD = {
  driverId: 42,
  score: 87.5,
  band: 'B',
  updatedAt: '2025-01-01T00:00:00.000Z',
  trips: Array.from({ length: 10 }, (_, i) => ({ id: `trip-${i}`, km: 12.5 + i, harshBraking: i % 3, nightMinutes: 4 * i })),
};

const now = (): number => performance.timeOrigin + performance.now();

function report(label: string, samples: Float64Array, unit: 'us' | 'ms'): Summary {
  const summary = summarize(samples, unit === 'us' ? 1000 : 1);
  console.log(formatSummary(label, summary, unit, unit === 'us' ? 1 : 3));
  return summary;
}

/** Times `count` sequential calls of `operation(i)` in milliseconds, after `warmup` untimed calls. */
async function measure(count: number, warmup: number, operation: (i: number) => Promise<unknown>): Promise<Float64Array> {
  for (let i = 0; i < warmup; i++) await operation(i);
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await operation(warmup + i);
    samples[i] = performance.now() - started;
  }
  return samples;
}

const load = (): Promise<typeof PAYLOAD> => Promise.resolve(PAYLOAD);

/** `fill`: load keys p0..p{count-1} into L1, so that each invalidation really drops an entry. */
type SubscriberCommand = { op: 'fill'; count: number };

/** The second process: keeps entries in its L1 and reports when an invalidation dropped one. */
async function runSubscriber(): Promise<void> {
  const cache = createCache({ name: BUS_CACHE, ttl: 60_000 });
  onCacheInvalidation((event) => {
    if (event.source === 'remote' && event.key !== undefined) sendToParent({ event: 'invalidated', key: event.key, at: now() });
  });
  await connectCacheBus();
  await serveParent<SubscriberCommand>(async ({ count }) => {
    for (let i = 0; i < count; i++) await cache.getOrLoad(`p${i}`, load);
    return {};
  }, closeRedis);
}

async function measurePropagation(cache: Cache): Promise<Float64Array> {
  // The subscriber inherits the parent's prefix through the environment.
  const subscriber = new WorkerProcess<SubscriberCommand>(fileURLToPath(import.meta.url), {
    args: ['--subscriber'],
    env: { LOG_LEVEL: 'ERROR' },
  });
  try {
    await subscriber.ready();
    await subscriber.request({ op: 'fill', count: OPERATIONS + WARMUP });
    const delays = new Float64Array(OPERATIONS);
    for (let i = 0; i < OPERATIONS + WARMUP; i++) {
      const key = `p${i}`;
      const arrived = subscriber.waitForEvent((event) => event.event === 'invalidated' && event.key === key);
      const sentAt = now();
      await cache.delete(key);
      const { at } = await arrived;
      if (i >= WARMUP) delays[i - WARMUP] = (at as number) - sentAt;
    }
    return delays;
  } finally {
    await subscriber.stop();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--subscriber')) return runSubscriber();
  const prefix = `bench:${process.pid}-${randomBytes(3).toString('hex')}`;
  process.env.CACHE_PREFIX = prefix;
  resetConfig();

  await connectCacheBus();
  const groups = [GROUP];
  try {
    const l1 = createCache({ name: 'bench-l1', ttl: 600_000 });
    await l1.getOrLoad('hot', load, { groups });
    const l1Samples = await measure(L1_OPERATIONS, WARMUP, () => l1.getOrLoad('hot', load, { groups }));

    const l2 = createCache({ name: 'bench-l2', ttl: 600_000, l1Ttl: 0 });
    await l2.getOrLoad('hot', load, { groups });
    const l2Samples = await measure(OPERATIONS, WARMUP, () => l2.getOrLoad('hot', load, { groups }));

    const miss = createCache({ name: 'bench-miss', ttl: 60_000, l1Ttl: 0 });
    const missSamples = await measure(OPERATIONS, WARMUP, (i) => miss.getOrLoad(`k${i}`, load, { groups }));

    const bus = createCache({ name: BUS_CACHE, ttl: 60_000 });
    const propagationSamples = await measurePropagation(bus);

    console.log(`cache benchmark against ${process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'}, value of ${JSON.stringify(PAYLOAD).length} bytes of JSON`);
    const l1Summary = report('L1 hit', l1Samples, 'us');
    const l2Summary = report('L2 hit', l2Samples, 'us');
    report('miss + load', missSamples, 'us');
    const propagation = report('propagation', propagationSamples, 'ms');
    console.log(
      `cache l1_p95_us=${l1Summary.p95.toFixed(2)} l2_p95_us=${l2Summary.p95.toFixed(1)} propagation_p99_ms=${propagation.p99.toFixed(3)}`,
    );
  } finally {
    await deleteBenchKeys(prefix);
    await closeRedis();
  }
}

/** Removes what the run stored; every key name is known, so no keyspace scan is needed. */
async function deleteBenchKeys(prefix: string): Promise<void> {
  const redis = getRedis();
  if (redis.status !== 'ready') return;
  const total = OPERATIONS + WARMUP;
  const keys = [`${prefix}:bench-l1:hot`, `${prefix}:bench-l2:hot`, `${prefix}:group:${GROUP}`];
  for (let i = 0; i < total; i++) keys.push(`${prefix}:bench-miss:k${i}`, `${prefix}:${BUS_CACHE}:p${i}`);
  for (let i = 0; i < keys.length; i += 1000) await redis.unlink(...keys.slice(i, i + 1000));
}

await main();
