import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Admin } from 'kafkajs';
import { readFleetCacheStats } from '../cache/index.js';
import { getConfig } from '../config/index.js';
import { settleWithin } from '../deadline/index.js';
import { createKafka } from '../kafka/index.js';
import { getLogger } from '../logger/index.js';
import { ensureRedisConnected } from '../redis/index.js';
import { EmfBuffer } from './emf.js';
import { storeFleetGauges } from './fleet.js';
import { readConsumerLag, recordAndEvaluate, type LagAdmin } from './lag.js';
import { notifyCollected, type CollectedFamilies } from './notify.js';
import { readActiveDrivers, readActiveTrips, readConnections, readDeadLetters, readDefaultRows, readEventsInWindow, readRisk, RISK_BANDS } from './queries.js';
import { labelSetKey, type MetricFamilyJson } from './registry.js';

/**
 * One collect-metrics run: every fleet-wide gauge read once (concurrently, each timed), stored in
 * Redis for GET /metrics (fleet.ts) and emitted as EMF. A source that fails (Kafka down, Redis
 * down) is logged and its gauges are left out, with metrics_gauge_up{gauge} 0, never reported as 0.
 */

const EVENTS_WINDOW_MS = 60_000;
const DEAD_LETTERS_WINDOW_MS = 3_600_000;
/** A lag reading that takes longer is abandoned (a broker that accepts connections but does not answer). */
const LAG_TIMEOUT_MS = 5000;

export interface CollectOptions {
  now?: Date;
  /** The ingestion topic and group (serverless.yml custom.ingest, through KAFKA_TOPIC and KAFKA_CONSUMER_GROUP). */
  topic?: string;
  groupId?: string;
  /** Defaults to the instance's metrics admin connection. */
  admin?: LagAdmin;
}

export interface SourceTiming {
  gauge: string;
  ms: number;
  ok: boolean;
}

export interface CollectReport extends CollectedFamilies {
  durationMs: number;
  sources: SourceTiming[];
}

interface Context {
  now: Date;
  topic: string;
  groupId: string;
  admin: () => Promise<LagAdmin>;
}

type Values = MetricFamilyJson['values'];

const gauge = (name: string, help: string, values: Values): MetricFamilyJson => ({ name, help, type: 'gauge', aggregator: 'first', values });
const one = (value: number, labels: Record<string, string | number> = {}) => ({ value, labels });

const SOURCES: ReadonlyArray<{ gauge: string; read: (ctx: Context) => Promise<MetricFamilyJson[]> }> = [
  { gauge: 'active_drivers', read: async () => [gauge('telematics_active_drivers', 'Drivers whose account is active.', [one(await readActiveDrivers())])] },
  { gauge: 'active_trips', read: async () => [gauge('telematics_active_trips', 'Trips started and not ended.', [one(await readActiveTrips())])] },
  {
    gauge: 'events_per_second',
    read: async ({ now }) => {
      const events = await readEventsInWindow({ from: new Date(now.getTime() - EVENTS_WINDOW_MS).toISOString(), to: now.toISOString() });
      return [gauge('telematics_events_per_second', 'Events stored with a device time in the last minute, per second.', [one(events / (EVENTS_WINDOW_MS / 1000))])];
    },
  },
  {
    gauge: 'risk',
    read: async () => {
      const risk = await readRisk();
      return [
        // No sample before the first scoring run: an average of nothing is not 0.
        gauge('telematics_risk_score_avg', "Mean of every driver's latest risk score (0-100).", risk.avg_score === null ? [] : [one(risk.avg_score)]),
        gauge('telematics_drivers_by_risk_band', "Drivers by band of their latest risk score: low [0,40), medium [40,70), high [70,100].", RISK_BANDS.map(({ band }) => one(risk[band], { band }))),
      ];
    },
  },
  { gauge: 'default_rows', read: async () => [gauge('telematics_events_default_partition_rows', 'Event rows waiting in the default partition (no monthly partition for their time).', [one(await readDefaultRows())])] },
  {
    gauge: 'dead_letters',
    read: async ({ now }) => [
      gauge('telematics_dead_letters_last_hour', 'Records dead-lettered in the last hour.', [one(await readDeadLetters(new Date(now.getTime() - DEAD_LETTERS_WINDOW_MS).toISOString()))]),
    ],
  },
  {
    gauge: 'pg_connections',
    read: async () => {
      const c = await readConnections();
      return [
        gauge('pg_connections', 'Client connections of the PostgreSQL server by state (all databases).', [one(c.in_use, { state: 'in_use' }), one(c.open, { state: 'open' })]),
        gauge('pg_max_connections', 'The PostgreSQL server max_connections.', [one(c.max)]),
      ];
    },
  },
  {
    gauge: 'cache_hit_ratio',
    read: async ({ now }) => {
      const fleet = Object.entries(await readFleetCacheStats(now.getTime()));
      return [
        gauge('cache_hit_ratio', 'Fleet-wide share of cache lookups served from L1 or L2, per cache.', fleet.filter(([, s]) => s.hitRatio !== null).map(([cache, s]) => one(s.hitRatio!, { cache }))),
        gauge('cache_reporting_instances', 'Function instances whose cache counters are in the fleet figures, per cache.', fleet.map(([cache, s]) => one(s.instances, { cache }))),
      ];
    },
  },
  {
    gauge: 'redis_memory',
    read: async () => {
      const info = await (await ensureRedisConnected()).info('memory');
      const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1]);
      const used = field('used_memory');
      if (!Number.isFinite(used)) throw new Error('INFO memory has no used_memory');
      const max = field('maxmemory');
      return [
        gauge('redis_memory_used_bytes', 'Memory used by Redis.', [one(used)]),
        ...(max > 0 ? [gauge('redis_memory_max_bytes', 'Redis maxmemory.', [one(max)])] : []),
      ];
    },
  },
  {
    gauge: 'kafka_lag',
    read: async ({ now, topic, groupId, admin }) => {
      // Abandoned at the deadline: aborted too, so that none of its retries outlives this run.
      const abandoned = new AbortController();
      const reading = admin().then((connected) => readConsumerLag(connected, { topic, groupId, now: now.getTime(), signal: abandoned.signal }));
      const lags = await settleWithin(reading, LAG_TIMEOUT_MS, () => {
        abandoned.abort();
        throw new Error(`Kafka consumer lag took longer than ${LAG_TIMEOUT_MS} ms`);
      });
      const statuses = await recordAndEvaluate(groupId, topic, now.getTime(), lags);
      const labels = (partition: number) => ({ topic, group: groupId, partition });
      return [
        gauge('kafka_consumer_lag_messages', 'Messages of the partition not yet committed by the ingestion group.', lags.map((l) => one(l.lagMessages, labels(l.partition)))),
        gauge('kafka_consumer_lag_seconds', 'Age of the oldest record not yet committed by the ingestion group (upper bound, within 1 s or 2 %).', lags.map((l) => one(l.lagSeconds, labels(l.partition)))),
        gauge(
          'kafka_consumer_partition_stalled',
          "1 when, over the last samples, the group's committed offset has not moved while lag stays above zero, or lag only grew (Burrow rules 2 and 3).",
          lags.map((l) => one(statuses.get(l.partition) === 'ok' ? 0 : 1, labels(l.partition))),
        ),
      ];
    },
  },
];

export const GAUGE_SOURCES = SOURCES.map((source) => source.gauge);

/** The instance's admin connection for lag readings, kept across warm invocations; dropped after a failure. */
let lagAdmin: Promise<Admin> | undefined;

function connectedLagAdmin(): Promise<Admin> {
  lagAdmin ??= (async () => {
    // Few, quick retries: a transient metadata refresh is retried, a dead broker fails within LAG_TIMEOUT_MS.
    const admin = createKafka({ retries: 2, requestTimeoutMs: 2000 }).admin({ retry: { retries: 2, initialRetryTime: 50 } });
    await admin.connect();
    return admin;
  })();
  return lagAdmin;
}

async function dropLagAdmin(): Promise<void> {
  const current = lagAdmin;
  lagAdmin = undefined;
  await current?.then((admin) => admin.disconnect()).catch(() => undefined);
}

/** Reads every gauge; does not store or emit them (see collectAndPublish). */
export async function collectMetrics(options: CollectOptions = {}): Promise<CollectReport> {
  const config = getConfig();
  const started = performance.now();
  const now = options.now ?? new Date();
  const ctx: Context = {
    now,
    topic: options.topic ?? config.kafka.topic,
    groupId: options.groupId ?? config.kafka.consumerGroup,
    admin: () => (options.admin ? Promise.resolve(options.admin) : connectedLagAdmin()),
  };
  const results = await Promise.all(
    SOURCES.map(async (source) => {
      const t0 = performance.now();
      try {
        const families = await source.read(ctx);
        return { timing: { gauge: source.gauge, ms: performance.now() - t0, ok: true }, families };
      } catch (error) {
        getLogger().warn('gauge could not be read; reported as missing', { gauge: source.gauge, error });
        if (source.gauge === 'kafka_lag' && !options.admin) await dropLagAdmin();
        return { timing: { gauge: source.gauge, ms: performance.now() - t0, ok: false }, families: [] };
      }
    }),
  );
  const sources = results.map((r) => r.timing);
  const durationMs = performance.now() - started;
  const families = [
    ...results.flatMap((r) => r.families),
    gauge('metrics_gauge_up', '1 when the last collect-metrics run read the gauge, 0 when it could not (its figures are missing).', sources.map((s) => one(s.ok ? 1 : 0, { gauge: s.gauge }))),
    gauge('metrics_collect_duration_seconds', 'Duration of the last collect-metrics run.', [one(durationMs / 1000)]),
    gauge('metrics_collected_at_seconds', 'Unix time of the clock of the last collect-metrics run.', [one(now.getTime() / 1000)]),
  ];
  return { collectedAt: now.toISOString(), durationMs, sources, families };
}

const emf = new EmfBuffer(() => {
  const config = getConfig();
  return config.metrics.emf ? new Metrics({ namespace: config.metrics.namespace, serviceName: config.serviceName }) : undefined;
});

/** collect-metrics: reads every gauge, stores them for GET /metrics and emits them as EMF. */
export async function collectAndPublish(options: CollectOptions = {}): Promise<CollectReport> {
  const report = await collectMetrics(options);
  for (const family of report.families) {
    for (const { labels, value } of family.values) {
      const stringLabels = Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)]));
      emf.record('gauge', family.name, 'Count', stringLabels, value, labelSetKey(stringLabels));
    }
  }
  emf.flush();
  await storeFleetGauges(report.families);
  await notifyCollected(report);
  return report;
}

/** Closes the lag admin connection (scripts and tests). */
export function closeCollector(): Promise<void> {
  return dropLagAdmin();
}
