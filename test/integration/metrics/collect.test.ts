import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyCounters } from '../../../lib/cache/counters.js';
import { publishCacheStats } from '../../../lib/cache/index.js';
import { closeDb, type Sql } from '../../../lib/db/index.js';
import { closeCollector, collectAndPublish, GAUGE_SOURCES } from '../../../lib/metrics/collect.js';
import { renderFleetMetrics } from '../../../lib/metrics/fleet.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { withEnv } from '../../helpers/config.js';
import { testCachePrefix } from '../../helpers/env.js';
import { createTestDriver, testSql, withMigratedThrowawayDatabase } from '../../helpers/db.js';
import { lagFixture, type LagFixture } from './kafka.js';

/**
 * collect-metrics end to end on a throwaway database holding a known dataset, a Kafka topic and
 * group of this test's own with known offsets, and a Redis prefix of its own: every gauge has the
 * value the dataset implies, and GET /metrics renders the same text from two processes.
 */

const NOW = new Date();
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const PREFIX = `${testCachePrefix()}_collect${Date.now().toString(36)}`;
let kafka: LagFixture;

async function seed(sql: Sql): Promise<void> {
  const drivers = await Promise.all([1, 2, 3, 4].map(() => createTestDriver(sql)));
  const [a, b, c, d] = drivers.map((driver) => driver);
  await sql`UPDATE drivers SET active = false WHERE id = ${d!.driverId}`;
  // Two open trips and one ended.
  for (const [driver, ended] of [[a!, null], [b!, null], [c!, ago(600_000)]] as const) {
    await sql`INSERT INTO trips (id, driver_id, vehicle_id, started_at, ended_at) VALUES (gen_random_uuid(), ${driver.driverId}, ${driver.vehicleId}, ${ago(3_600_000)}::timestamptz, ${ended}::timestamptz)`;
  }
  // 90 events in the last minute (1.5 per second), 7 older, 2 waiting in the default partition (far future).
  const events = (count: number, from: string, stepMs: number) => sql`
    INSERT INTO telematics_events (event_id, ts, driver_id, vehicle_id, event_type)
    SELECT gen_random_uuid(), ${from}::timestamptz + i * ${`${stepMs} milliseconds`}::interval, ${a!.driverId}, ${a!.vehicleId}, 'position' FROM generate_series(0, ${count - 1}) i`;
  await events(90, ago(59_000), 500);
  await events(7, ago(3_600_000), 1000);
  await events(2, '2099-01-01T00:00:00Z', 1000);
  // Latest scores 20 (low), 55 (medium), 90 (high); driver a's older score must not count; d has none.
  const score = (driverId: number, value: number, at: string) =>
    sql`INSERT INTO risk_scores (driver_id, score, model_version, scored_at) VALUES (${driverId}, ${value}, 'test', ${at}::timestamptz)`;
  await score(a!.driverId, 95, ago(86_400_000));
  await score(a!.driverId, 20, ago(3_600_000));
  await score(b!.driverId, 55, ago(3_600_000));
  await score(c!.driverId, 90, ago(3_600_000));
  // Dead letters: 2 in the last hour, 1 older.
  for (const at of [ago(60_000), ago(1_800_000), ago(7_200_000)]) {
    await sql`INSERT INTO dead_letters (received_at, source, reason, error_code) VALUES (${at}::timestamptz, 'http', 'test', 'invalid')`;
  }
}

describe('collect-metrics', () => {
  beforeAll(async () => {
    kafka = await lagFixture(2);
    await kafka.produce(0, 10, (i) => NOW.getTime() - 120_000 + i);
    await kafka.produce(1, 4, (i) => NOW.getTime() - 60_000 + i);
    await kafka.commit({ 0: 6, 1: 4 });
  });

  afterAll(async () => {
    await kafka.close();
    await closeCollector();
    await closeRedis();
  });

  it('reports every gauge with the value the dataset, the offsets and the published cache counters imply, and two instances render the same text', async () => {
    await withMigratedThrowawayDatabase('telematics_test_metrics_collect', async (url) => {
      const sql = testSql(url, 2);
      try {
        await seed(sql);
        await withEnv({ DATABASE_URL: url, CACHE_PREFIX: PREFIX }, async () => {
          await closeDb();
          try {
            // Two instances' cache counters: drivers 30 hits (10 L1 + 20 L2) out of 40 lookups.
            await publishCacheStats({ instance: 'instance-a', stats: { drivers: { ...emptyCounters(), l1_hits: 10, l2_hits: 5, misses: 5 } } });
            await publishCacheStats({ instance: 'instance-b', stats: { drivers: { ...emptyCounters(), l2_hits: 15, misses: 5 } } });

            const report = await collectAndPublish({ now: NOW, topic: kafka.topic, groupId: kafka.groupId });
            const [{ max } = { max: -1 }] = await sql<{ max: number }[]>`SELECT current_setting('max_connections')::int AS max`;

            expect(report.sources.filter((s) => !s.ok)).toEqual([]);
            expect(report.sources.map((s) => s.gauge)).toEqual(GAUGE_SOURCES);
            const value = (name: string, labels: Record<string, string | number> = {}) =>
              report.families.find((f) => f.name === name)?.values.find((v) => Object.entries(labels).every(([k, l]) => String(v.labels[k]) === String(l)))?.value;
            expect(value('telematics_active_drivers')).toBe(3);
            expect(value('telematics_active_trips')).toBe(2);
            expect(value('telematics_events_per_second')).toBe(1.5);
            expect(value('telematics_risk_score_avg')).toBeCloseTo(55, 10);
            expect([value('telematics_drivers_by_risk_band', { band: 'low' }), value('telematics_drivers_by_risk_band', { band: 'medium' }), value('telematics_drivers_by_risk_band', { band: 'high' })]).toEqual([1, 1, 1]);
            expect(value('telematics_events_default_partition_rows')).toBe(2);
            expect(value('telematics_dead_letters_last_hour')).toBe(2);
            expect(value('pg_max_connections')).toBe(max);
            expect(value('pg_connections', { state: 'in_use' })).toBeGreaterThanOrEqual(1);
            expect(value('pg_connections', { state: 'open' })).toBeGreaterThanOrEqual(value('pg_connections', { state: 'in_use' })!);
            expect(value('cache_hit_ratio', { cache: 'drivers' })).toBe(0.75);
            expect(value('cache_reporting_instances', { cache: 'drivers' })).toBe(2);
            expect(value('redis_memory_used_bytes')).toBeGreaterThan(0);
            expect(value('kafka_consumer_lag_messages', { partition: 0 })).toBe(4);
            expect(value('kafka_consumer_lag_messages', { partition: 1 })).toBe(0);
            // The oldest unconsumed record (offset 6) was stamped 120 s - 6 ms before NOW.
            expect(value('kafka_consumer_lag_seconds', { partition: 0 })).toBeGreaterThanOrEqual(119.99);
            expect(value('kafka_consumer_lag_seconds', { partition: 0 })).toBeLessThanOrEqual(120 * 1.02 + 0.01);
            expect(value('kafka_consumer_partition_stalled', { partition: 0 })).toBe(0);

            // GET /metrics from this process and from another one: same text, which a Prometheus parser reads.
            const here = await renderFleetMetrics();
            const { stdout: there } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./render-instance.ts', import.meta.url))], {
              env: { ...process.env, LOG_LEVEL: 'ERROR' },
            });
            const hereAgain = await renderFleetMetrics();
            expect(there).toBe(hereAgain);
            expect(hereAgain).toBe(here);
            const families = parsePrometheusTextFormat(there);
            expect(families.find((f) => f.name === 'telematics_active_trips')).toMatchObject({ type: 'GAUGE', metrics: [{ value: '2' }] });
            expect(families.find((f) => f.name === 'kafka_consumer_lag_messages')?.metrics).toContainEqual({ labels: { topic: kafka.topic, group: kafka.groupId, partition: '0' }, value: '4' });
            expect(families.every((f) => f.help.length > 0)).toBe(true);
          } finally {
            await closeDb();
          }
        });
      } finally {
        await sql.end({ timeout: 5 });
      }
    });
  });

  it('reports the lag gauges as missing, not zero, when Kafka cannot be reached', async () => {
    const unreachable = { fetchTopicOffsets: () => Promise.reject(new Error('broker down')), fetchOffsets: () => Promise.reject(new Error('broker down')), fetchTopicOffsetsByTimestamp: () => Promise.reject(new Error('broker down')) };
    const report = await withEnv({ CACHE_PREFIX: PREFIX }, () => collectAndPublish({ now: NOW, topic: kafka.topic, groupId: kafka.groupId, admin: unreachable }));

    expect(report.sources.find((s) => s.gauge === 'kafka_lag')?.ok).toBe(false);
    expect(report.families.some((f) => f.name.startsWith('kafka_consumer_'))).toBe(false);
    expect(report.families.find((f) => f.name === 'metrics_gauge_up')?.values).toContainEqual({ value: 0, labels: { gauge: 'kafka_lag' } });
  });
});
