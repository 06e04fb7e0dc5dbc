import { describe, expect, it } from 'vitest';
import { lagOf } from '../../../lib/metrics/notify.js';
import type { MetricFamilyJson } from '../../../lib/metrics/registry.js';

/** The metrics.lag message collect-metrics pushes, from the lag gauges it read (lib/metrics/notify.ts). */

const family = (name: string, values: MetricFamilyJson['values']): MetricFamilyJson => ({ name, help: name, type: 'gauge', aggregator: 'first', values });

describe('lagOf', () => {
  it('names the group the gauges were read for and sums the partitions', () => {
    const labels = (partition: number) => ({ topic: 'telematics.events', group: 'ingest-group-b', partition });
    const messages = family('kafka_consumer_lag_messages', [{ value: 3, labels: labels(0) }, { value: 4, labels: labels(1) }]);
    const seconds = family('kafka_consumer_lag_seconds', [{ value: 12, labels: labels(1) }]);

    expect(lagOf(messages, seconds)).toEqual({
      groupId: 'ingest-group-b',
      total: 7,
      partitions: [
        { topic: 'telematics.events', partition: 0, lag: 3, lagSeconds: 0 },
        { topic: 'telematics.events', partition: 1, lag: 4, lagSeconds: 12 },
      ],
    });
  });

  it('gives no message when the lag was not read', () => {
    expect(lagOf(undefined, undefined)).toBeUndefined();
    expect(lagOf(family('kafka_consumer_lag_messages', []), undefined)).toBeUndefined();
  });
});
