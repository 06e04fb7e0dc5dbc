import type { MetricKind, MetricSink, MetricUnitValue } from './registry.js';

/**
 * Buffers samples for CloudWatch EMF and publishes them through Powertools `Metrics`.
 *
 * One EMF document shares one dimension set across all its metrics, while our samples carry
 * their own labels (route and status, cache name, query name). So samples are grouped by their
 * label values and each group is published as its own document, with the labels as dimensions.
 * Counters are summed and gauges keep their last value per flush; histogram observations are
 * sent as value arrays, which CloudWatch turns into statistics and percentiles.
 */

/** What we need from Powertools `Metrics` (kept narrow so tests can pass a recorder). */
export interface EmfPublisher {
  addDimension(name: string, value: string): unknown;
  addMetric(name: string, unit: MetricUnitValue, value: number): unknown;
  publishStoredMetrics(): unknown;
}

/**
 * Powertools publishes on its own, mid-batch, when one document reaches 100 metrics or one
 * metric 100 values, and that early publish also drops the dimensions we added. Staying below
 * both limits keeps every document whole.
 */
const MAX_VALUES_PER_METRIC = 99;
const MAX_METRICS_PER_DOCUMENT = 99;

interface BufferedMetric {
  unit: MetricUnitValue;
  values: number[];
}

interface DimensionGroup {
  dimensions: Array<[string, string]>;
  metrics: Map<string, BufferedMetric>;
}

export class EmfBuffer implements MetricSink {
  private readonly groups = new Map<string, DimensionGroup>();
  private bufferedValues = 0;
  private publisher: EmfPublisher | undefined | null = null;

  /**
   * @param createPublisher called once, on first use; returning undefined turns EMF off.
   * @param autoFlushAt buffered values after which a long invocation (a big batch) publishes early.
   */
  constructor(
    private readonly createPublisher: () => EmfPublisher | undefined,
    private readonly autoFlushAt = 1000,
  ) {}

  private resolvePublisher(): EmfPublisher | undefined {
    if (this.publisher === null) this.publisher = this.createPublisher();
    return this.publisher;
  }

  /** False when EMF is turned off (local and test stages by default). */
  get enabled(): boolean {
    return this.resolvePublisher() !== undefined;
  }

  record(kind: MetricKind, name: string, unit: MetricUnitValue, labels: Readonly<Record<string, string>>, value: number, labelSetKey: string): void {
    if (!this.resolvePublisher()) return;
    // Grouped by the registry's precomputed key: the dimensions are built once per group and flush.
    let group = this.groups.get(labelSetKey);
    if (!group) {
      // EMF dimension values must be non-empty strings.
      const dimensions = Object.entries(labels).map(([key, v]): [string, string] => [key, v === '' ? 'none' : v]);
      group = { dimensions, metrics: new Map() };
      this.groups.set(labelSetKey, group);
    }
    let metric = group.metrics.get(name);
    if (!metric) {
      metric = { unit, values: [] };
      group.metrics.set(name, metric);
    }
    if (kind === 'histogram' || metric.values.length === 0) {
      metric.values.push(value);
      this.bufferedValues += 1;
    } else if (kind === 'counter') {
      metric.values[0]! += value;
    } else {
      metric.values[0] = value;
    }
    if (this.bufferedValues >= this.autoFlushAt) this.flush();
  }

  /** Publishes everything buffered as EMF documents on stdout; a no-op when nothing was recorded. */
  flush(): void {
    const publisher = this.resolvePublisher();
    if (!publisher || this.groups.size === 0) return;
    const groups = [...this.groups.values()];
    this.groups.clear();
    this.bufferedValues = 0;
    for (const group of groups) {
      const metrics = [...group.metrics.entries()];
      const rounds = Math.max(...metrics.map(([, m]) => Math.ceil(m.values.length / MAX_VALUES_PER_METRIC)));
      for (let round = 0; round < rounds; round++) {
        const slice = metrics
          .map(([name, m]) => ({ name, unit: m.unit, values: m.values.slice(round * MAX_VALUES_PER_METRIC, (round + 1) * MAX_VALUES_PER_METRIC) }))
          .filter((m) => m.values.length > 0);
        for (let start = 0; start < slice.length; start += MAX_METRICS_PER_DOCUMENT) {
          for (const [dimension, value] of group.dimensions) publisher.addDimension(dimension, value);
          for (const { name, unit, values } of slice.slice(start, start + MAX_METRICS_PER_DOCUMENT)) {
            for (const value of values) publisher.addMetric(name, unit, value);
          }
          publisher.publishStoredMetrics();
        }
      }
    }
  }

  /** Drops buffered samples without publishing (tests). */
  discard(): void {
    this.groups.clear();
    this.bufferedValues = 0;
  }
}
