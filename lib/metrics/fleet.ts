import { getLogger } from '../logger/index.js';
import { ensureRedisConnected, keySpace } from '../redis/index.js';
import { INSTANCE_ID, instanceBoard } from '../redis/instances.js';
import { instanceMetricFamilies } from './instruments.js';
import { renderAggregated, type MetricFamilyJson } from './registry.js';

/**
 * The fleet's metrics, the same whichever instance renders them. Two sources, both in Redis:
 *   - every instance posts its own registry (request and query latencies, pool and cache figures)
 *     on the `metrics:instance` board (lib/redis/instances.ts) at most every INSTANCE_POST_INTERVAL_MS
 *     and before it renders; the fleet view sums them per series (prom-client's aggregation);
 *   - collect-metrics stores the fleet-wide gauges (business figures, database, Redis, Kafka lag)
 *     under P:metrics:fleet, expiring after FLEET_TTL_MS, so a stopped collector shows as missing
 *     figures, never as stale ones.
 */

export const INSTANCE_TTL_MS = 5 * 60_000;
export const INSTANCE_POST_INTERVAL_MS = 30_000;
export const FLEET_TTL_MS = 5 * 60_000;

const instances = instanceBoard('metrics', 'instance', INSTANCE_TTL_MS);
const fleetKey = () => `${keySpace('metrics')}:fleet`;

/** Posts this instance's registry on the board. */
export async function publishInstanceMetrics(now: number = Date.now()): Promise<void> {
  await instances.post(INSTANCE_ID, await instanceMetricFamilies(), now);
}

/** Stores the fleet-wide gauges of one collect-metrics run. */
export async function storeFleetGauges(families: MetricFamilyJson[]): Promise<void> {
  const redis = await ensureRedisConnected();
  await redis.set(fleetKey(), JSON.stringify(families), 'PX', FLEET_TTL_MS);
}

export async function readFleetGauges(): Promise<MetricFamilyJson[]> {
  const redis = await ensureRedisConnected();
  const json = await redis.get(fleetKey());
  return json === null ? [] : (JSON.parse(json) as MetricFamilyJson[]);
}

const FLEET_UP: MetricFamilyJson = {
  name: 'metrics_fleet_view',
  help: '1 when this text is the fleet view (every instance plus the collected gauges), 0 when Redis was unreachable and only the answering instance is shown.',
  type: 'gauge',
  aggregator: 'max',
  values: [{ value: 1, labels: {} }],
};

/**
 * Prometheus text of the whole fleet: every instance's registry summed, plus the collected gauges.
 * When Redis cannot be read the answer is this instance's registry alone, flagged by
 * metrics_fleet_view 0 (and a log line), rather than an error.
 */
export async function renderFleetMetrics(): Promise<string> {
  try {
    await publishInstanceMetrics();
    const [posted, gauges] = await Promise.all([instances.read(), readFleetGauges()]);
    return await renderAggregated([...(posted as MetricFamilyJson[][]), gauges, [FLEET_UP]]);
  } catch (error) {
    getLogger().warn('fleet metrics unavailable; rendering this instance only', { error });
    return renderAggregated([await instanceMetricFamilies(), [{ ...FLEET_UP, values: [{ value: 0, labels: {} }] }]]);
  }
}
