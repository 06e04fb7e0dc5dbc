import { getLogger } from '../logger/index.js';
import { FLEET_TOPIC, publishMany, type Publication, type PushData } from '../push/index.js';
import type { MetricFamilyJson } from './registry.js';

/**
 * What a collect-metrics run tells the live console (lib/push) on `fleet`: `metrics.lag`, the
 * ingestion group's lag per partition (when Kafka answered), and `metrics.gauges`, the business
 * gauges (null where a source could not be read). Never fails the run.
 */

/** The business gauges the console shows, by the name it reads them under. */
const GAUGES = {
  activeDrivers: 'telematics_active_drivers',
  activeTrips: 'telematics_active_trips',
  eventsPerSecond: 'telematics_events_per_second',
  riskScoreAvg: 'telematics_risk_score_avg',
  deadLettersLastHour: 'telematics_dead_letters_last_hour',
  defaultPartitionRows: 'telematics_events_default_partition_rows',
} as const;

/** What a collection read: the part of collect.ts's report the messages are made from. */
export interface CollectedFamilies {
  collectedAt: string;
  families: MetricFamilyJson[];
}

/**
 * The group a lag message names is the one its gauges were read for (their `group` label, set by
 * collect.ts from its options or KAFKA_CONSUMER_GROUP), not worked out again here.
 */
export async function notifyCollected(report: CollectedFamilies): Promise<void> {
  try {
    const family = (name: string) => report.families.find((f) => f.name === name);
    const publications: Publication[] = [{ topic: FLEET_TOPIC, type: 'metrics.gauges', data: gaugesOf(family, report.collectedAt) }];
    const lag = lagOf(family('kafka_consumer_lag_messages'), family('kafka_consumer_lag_seconds'));
    if (lag) publications.push({ topic: FLEET_TOPIC, type: 'metrics.lag', data: lag });
    await publishMany(publications);
  } catch (error) {
    getLogger().warn('push: notifying collected metrics failed', { error });
  }
}

type FamilyOf = (name: string) => MetricFamilyJson | undefined;

function gaugesOf(family: FamilyOf, collectedAt: string): PushData['metrics.gauges'] {
  const first = (name: string) => family(name)?.values[0]?.value ?? null;
  const bands = family('telematics_drivers_by_risk_band')?.values;
  return {
    ...Object.fromEntries(Object.entries(GAUGES).map(([key, name]) => [key, first(name)])),
    driversByRiskBand: bands ? Object.fromEntries(bands.map((v) => [String(v.labels.band), v.value])) : null,
    collectedAt: Date.parse(collectedAt),
  };
}

/** The lag message of the lag gauges; none when lag was not read (Kafka did not answer). */
export function lagOf(messages: MetricFamilyJson | undefined, seconds: MetricFamilyJson | undefined): PushData['metrics.lag'] | undefined {
  const groupId = messages?.values[0]?.labels.group;
  if (!messages || groupId === undefined) return undefined;
  const secondsOf = new Map((seconds?.values ?? []).map((v) => [`${v.labels.topic}/${v.labels.partition}`, v.value]));
  const partitions = messages.values.map((v) => ({
    topic: String(v.labels.topic),
    partition: Number(v.labels.partition),
    lag: v.value,
    lagSeconds: secondsOf.get(`${v.labels.topic}/${v.labels.partition}`) ?? 0,
  }));
  return { groupId: String(groupId), total: partitions.reduce((sum, p) => sum + p.lag, 0), partitions };
}
