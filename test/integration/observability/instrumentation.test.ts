import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCache } from '../../../lib/cache/index.js';
import { closeDb, timedQuery } from '../../../lib/db/index.js';
import { renderPrometheus } from '../../../lib/metrics/index.js';
import { instrumentInstance } from '../../../lib/observability/index.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { setEnv } from '../../helpers/config.js';
import { TEST_REDIS_URL, deleteKeysWithPrefix, rawRedis, uniquePrefix } from '../../helpers/redis.js';

const prefix = uniquePrefix('observability');
const redis = rawRedis();
let restoreEnv = (): void => {};

/** The value of one sample line in Prometheus text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

beforeAll(() => {
  restoreEnv = setEnv({ CACHE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL });
  instrumentInstance();
});

afterAll(async () => {
  await closeDb();
  await closeRedis();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  restoreEnv();
});

describe('instrumentInstance', () => {
  it('records the duration of named database queries on the real database', async () => {
    await timedQuery('observability.select_one', (sql) => sql`select 1`);
    await timedQuery('observability.select_one', (sql) => sql`select 1`);

    const text = (await renderPrometheus());

    expect(sample(text, 'db_query_duration_seconds_count{query="observability.select_one",outcome="ok"}')).toBe(2);
  });

  it('reports pool usage of the shared client', async () => {
    await timedQuery('observability.pool', (sql) => sql`select 1`);

    const text = (await renderPrometheus());

    expect(sample(text, 'db_pool_max_connections')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'db_pool_connections{state="idle"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'db_pool_waiting')).toBe(0);
  });

  it('reports hits and misses per cache name from a real two-level cache', async () => {
    const cache = createCache({ name: 'observed', ttl: 60_000 });
    await cache.getOrLoad('k', () => Promise.resolve('v'));
    await cache.getOrLoad('k', () => Promise.resolve('v'));
    await cache.getOrLoad('k', () => Promise.resolve('v'));

    const text = (await renderPrometheus());

    expect(sample(text, 'cache_misses_total{cache="observed"}')).toBe(1);
    expect(sample(text, 'cache_l1_hits_total{cache="observed"}')).toBe(2);
    expect(sample(text, 'cache_circuit_open')).toBe(0);
  });

  it('is idempotent: a second call does not double-count', async () => {
    instrumentInstance();
    await timedQuery('observability.once', (sql) => sql`select 1`);

    expect(sample((await renderPrometheus()), 'db_query_duration_seconds_count{query="observability.once",outcome="ok"}')).toBe(1);
  });
});
