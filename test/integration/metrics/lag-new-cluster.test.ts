import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeCollector, collectMetrics } from '../../../lib/metrics/collect.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { withEnv } from '../../helpers/config.js';
import { PrivateKafkaBroker } from '../../helpers/kafka.js';
import { testCachePrefix } from '../../helpers/env.js';

/**
 * The first collect-metrics run on a cluster no consumer group has used yet: the group
 * coordinator is not available until the broker has created __consumer_offsets, which takes about
 * a second after the first group request. The lag reading must wait for it within its budget
 * instead of reporting the gauge missing (what a fresh machine's first run, and CI, used to see).
 * A private broker, because the shared one has long had its coordinator.
 */

const TOPIC = 'telematics.events';
const PARTITIONS = 3;
let broker: PrivateKafkaBroker;

beforeAll(async () => {
  broker = await PrivateKafkaBroker.start();
  await broker.createTopic(TOPIC, PARTITIONS);
}, 120_000);

afterAll(async () => {
  await closeCollector();
  await closeRedis();
  await broker?.remove();
});

it('reads the consumer lag on the first run against a cluster whose group coordinator does not exist yet', async () => {
  const report = await withEnv({ KAFKA_BROKERS: broker.brokers, KAFKA_TOPIC: TOPIC, CACHE_PREFIX: `${testCachePrefix()}_newcluster` }, () => collectMetrics());

  expect(report.sources.find((s) => s.gauge === 'kafka_lag')).toMatchObject({ ok: true });
  const lag = report.families.find((f) => f.name === 'kafka_consumer_lag_messages');
  expect(lag?.values.map((v) => v.labels.partition).sort()).toEqual([0, 1, 2]);
}, 60_000);
