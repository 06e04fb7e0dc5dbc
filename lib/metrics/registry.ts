import type { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  AggregatorRegistry,
  Counter as PromCounter,
  Gauge as PromGauge,
  Histogram as PromHistogram,
  Registry as PromRegistry,
  type Aggregator,
} from 'prom-client';

/**
 * The instance's metrics registry: counters, gauges and histograms with labels, kept by prom-client
 * (which renders the Prometheus text format and aggregates several instances' figures), and
 * mirrored sample by sample to an optional sink (EMF for CloudWatch), so `GET /metrics` and
 * CloudWatch see the same figures under the same names. This layer adds what prom-client lacks:
 * the sink, a cap on label combinations, and collectors that report figures read on demand.
 */

export type MetricUnitValue = (typeof MetricUnit)[keyof typeof MetricUnit];
export type MetricKind = 'counter' | 'gauge' | 'histogram';
export type LabelValues<L extends string> = Readonly<Record<L, string | number>>;

/** Label arguments: none for an unlabelled metric, otherwise every declared label. */
type LabelArgs<L extends string, Rest extends unknown[]> = [L] extends [never] ? Rest : [labels: LabelValues<L>, ...Rest];

/** Receives every recorded sample; the EMF buffer implements it. */
export interface MetricSink {
  /**
   * @param labelSetKey identifies the label names and values together (see `labelSetKey`), equal
   *   for equal label sets across metrics; computed once per series, so sinks can group samples
   *   without sorting or serializing labels per sample.
   */
  record(kind: MetricKind, name: string, unit: MetricUnitValue, labels: Readonly<Record<string, string>>, value: number, labelSetKey: string): void;
}

/** A key for a set of labels, whatever order they were given in: JSON of the sorted pairs. */
export function labelSetKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface MetricOptions<L extends string> {
  /** Prometheus conventions: snake_case, base units, counters end in `_total`. */
  name: string;
  help: string;
  labelNames?: readonly L[];
  /** Unit reported to the sink; `false` keeps the metric out of the sink (Prometheus only). */
  unit?: MetricUnitValue | false;
}

export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Upper bounds, ascending; `+Inf` is implicit. */
  buckets?: readonly number[];
}

/** Request and query latencies in seconds: 1 ms to 10 s, dense where an API lives. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** A collector reports figures that are read when asked for (pool sizes, cache statistics). */
export interface CollectedMetric {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: Array<{ labels?: Readonly<Record<string, string | number>>; value: number }>;
}
export type Collector = () => CollectedMetric[];

/**
 * One metric family as prom-client's `getMetricsAsJSON()` gives it: what instances publish for the
 * fleet view and what `renderAggregated` sums. (prom-client types `type` as an enum; it is a string.)
 */
export interface MetricFamilyJson {
  name: string;
  help: string;
  type: string;
  aggregator: Aggregator;
  values: Array<{ value: number; labels: Record<string, string | number>; metricName?: string }>;
}

/** Beyond this many label combinations a metric drops new series: a guard against unbounded labels. */
const MAX_SERIES_PER_METRIC = 2000;

/**
 * How often collected (pulled) figures go to the sink at most, per instance. Collectors read pool
 * and cache statistics on every call, and invocations can come thousands of times a minute, while
 * CloudWatch resolves these figures per minute anyway. A scheduled function cannot report them in
 * an instance's place: each instance holds its own pool and caches, so each throttles itself.
 */
export const COLLECTED_PUSH_INTERVAL_MS = 60_000;

interface Series {
  labels: Record<string, string>;
  /** The sink's grouping key for these labels, computed once when the series is created. */
  labelSetKey: string;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

abstract class Metric<L extends string> {
  abstract readonly kind: MetricKind;
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly unit: MetricUnitValue | false;
  private readonly series = new Map<string, Series>();
  private warnedOverflow = false;

  constructor(
    options: MetricOptions<L>,
    defaultUnit: MetricUnitValue,
    private readonly registry: Registry,
  ) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames ?? [];
    this.unit = options.unit ?? defaultUnit;
  }

  /**
   * The label values and the sample of a call such as `inc({ route }, 2)` or, on a metric without
   * labels, `inc(2)`: the one place that reads `LabelArgs`. (Typed without `L`, which keeps
   * `Counter<'route'>` assignable to `Counter<string>`.)
   */
  protected splitArgs<V>(args: readonly unknown[]): [Readonly<Record<string, string | number>> | undefined, V] {
    return (this.labelNames.length > 0 ? [args[0], args[1]] : [undefined, args[0]]) as [Readonly<Record<string, string | number>> | undefined, V];
  }

  /** The series for these label values, created on first use (undefined once the series cap is hit). */
  protected seriesFor(labelValues: Readonly<Record<string, string | number>> | undefined): Series | undefined {
    let key = '';
    for (const label of this.labelNames) {
      const value = labelValues?.[label];
      if (value === undefined) throw new Error(`Metric ${this.name} needs label "${label}"`);
      key += `${String(value)}\u0000`;
    }
    let entry = this.series.get(key);
    if (!entry) {
      if (this.series.size >= MAX_SERIES_PER_METRIC) {
        if (!this.warnedOverflow) {
          this.warnedOverflow = true;
          this.registry.warn(`metric ${this.name} reached ${MAX_SERIES_PER_METRIC} label combinations; new ones are dropped`);
        }
        return undefined;
      }
      // Every label was checked present above (and with no labels, nothing is read).
      const labels = Object.fromEntries(this.labelNames.map((label) => [label, String(labelValues![label])]));
      entry = { labels, labelSetKey: labelSetKey(labels) };
      this.series.set(key, entry);
    }
    return entry;
  }

  protected emit(series: Series, value: number): void {
    if (this.unit !== false) this.registry.sink?.record(this.kind, this.name, this.unit, series.labels, value, series.labelSetKey);
  }

  /** Forgets every series (tests; a metric's definition stays registered). */
  reset(): void {
    this.series.clear();
    this.prom.reset();
  }

  protected abstract readonly prom: { reset(): void };
}

export class Counter<L extends string = never> extends Metric<L> {
  readonly kind = 'counter';
  protected readonly prom: PromCounter<string>;

  constructor(options: MetricOptions<L>, registry: Registry) {
    super(options, 'Count', registry);
    this.prom = new PromCounter({ name: options.name, help: options.help, labelNames: this.labelNames, registers: [registry.prom] });
  }

  inc(...args: LabelArgs<L, [by?: number]>): void {
    const [labels, by] = this.splitArgs<number | undefined>(args);
    const amount = by ?? 1;
    if (!(amount >= 0) || !Number.isFinite(amount)) throw new RangeError(`Counter ${this.name} can only increase, got ${amount}`);
    const series = this.seriesFor(labels);
    if (!series) return;
    this.prom.inc(series.labels, amount);
    this.emit(series, amount);
  }
}

export class Gauge<L extends string = never> extends Metric<L> {
  readonly kind = 'gauge';
  protected readonly prom: PromGauge<string>;

  constructor(options: MetricOptions<L>, registry: Registry) {
    super(options, 'Count', registry);
    this.prom = new PromGauge({ name: options.name, help: options.help, labelNames: this.labelNames, registers: [registry.prom] });
  }

  set(...args: LabelArgs<L, [value: number]>): void {
    const [labels, value] = this.splitArgs<number>(args);
    const series = this.seriesFor(labels);
    if (!series) return;
    this.prom.set(series.labels, value);
    this.emit(series, value);
  }
}

export class Histogram<L extends string = never> extends Metric<L> {
  readonly kind = 'histogram';
  readonly buckets: readonly number[];
  protected readonly prom: PromHistogram<string>;

  constructor(options: HistogramOptions<L>, registry: Registry) {
    super(options, 'Seconds', registry);
    const buckets = [...(options.buckets ?? LATENCY_BUCKETS_SECONDS)];
    if (buckets.length === 0 || buckets.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= buckets[i - 1]!))) {
      throw new Error(`Histogram ${options.name} needs finite, strictly ascending buckets`);
    }
    this.buckets = buckets;
    this.prom = new PromHistogram({ name: options.name, help: options.help, labelNames: this.labelNames, buckets, registers: [registry.prom] });
  }

  observe(...args: LabelArgs<L, [value: number]>): void {
    const [labels, value] = this.splitArgs<number>(args);
    if (!Number.isFinite(value)) return;
    const series = this.seriesFor(labels);
    if (!series) return;
    this.prom.observe(series.labels, value);
    this.emit(series, value);
  }
}

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>;

/** Prometheus text of metric families from any number of sources, summed per series (prom-client's cluster aggregation). */
export async function renderAggregated(sources: readonly MetricFamilyJson[][]): Promise<string> {
  const nonEmpty = sources.filter((families) => families.length > 0);
  if (nonEmpty.length === 0) return '';
  return AggregatorRegistry.aggregate(nonEmpty).metrics();
}

export class Registry {
  /** prom-client's registry holding this registry's metrics. */
  readonly prom = new PromRegistry();
  private readonly metrics = new Map<string, AnyMetric>();
  private readonly collectors = new Set<Collector>();
  /** Last value sent to the sink per collected counter series, to send increments. */
  private readonly lastCollectedCounts = new Map<string, number>();
  private lastCollectedPushAt: number | undefined;
  private readonly collectedPushIntervalMs: number;

  readonly sink: MetricSink | undefined;
  readonly warn: (message: string, error?: unknown) => void;

  constructor(
    options: {
      sink?: MetricSink;
      onWarning?: (message: string, error?: unknown) => void;
      /** Minimum time between two `pushCollectedToSinkIfDue` pushes; `COLLECTED_PUSH_INTERVAL_MS` by default. */
      collectedPushIntervalMs?: number;
    } = {},
  ) {
    this.sink = options.sink;
    this.warn = options.onWarning ?? (() => {});
    this.collectedPushIntervalMs = options.collectedPushIntervalMs ?? COLLECTED_PUSH_INTERVAL_MS;
  }

  /** Returns the counter of that name, creating it on first call (module reloads and tests call twice). */
  counter<L extends string = never>(options: MetricOptions<L>): Counter<L> {
    return this.getOrCreate(options.name, 'counter', () => new Counter<L>(options, this)) as Counter<L>;
  }

  gauge<L extends string = never>(options: MetricOptions<L>): Gauge<L> {
    return this.getOrCreate(options.name, 'gauge', () => new Gauge<L>(options, this)) as Gauge<L>;
  }

  /** Histograms default to seconds and `LATENCY_BUCKETS_SECONDS`. */
  histogram<L extends string = never>(options: HistogramOptions<L>): Histogram<L> {
    return this.getOrCreate(options.name, 'histogram', () => new Histogram<L>(options, this)) as Histogram<L>;
  }

  /** Adds a pull-based source read at every render; returns a function that removes it. */
  registerCollector(collector: Collector): () => void {
    this.collectors.add(collector);
    return () => this.collectors.delete(collector);
  }

  /** Runs every collector; a failing collector is reported and skipped so the rest still render. */
  collectPulled(): CollectedMetric[] {
    const collected: CollectedMetric[] = [];
    for (const collector of this.collectors) {
      try {
        collected.push(...collector());
      } catch (error) {
        this.warn('a metrics collector failed and was skipped', error);
      }
    }
    return collected;
  }

  /**
   * Sends the collectors' figures to the sink, so pulled figures reach CloudWatch as well:
   * gauges with their current value, counters (monotonic in the collector) as the increase since
   * the previous call, and nothing for a counter that did not move.
   */
  pushCollectedToSink(): void {
    if (!this.sink) return;
    for (const metric of this.collectPulled()) {
      for (const sample of metric.samples) {
        const labels = Object.fromEntries(Object.entries(sample.labels ?? {}).map(([k, v]) => [k, String(v)]));
        const setKey = labelSetKey(labels);
        if (metric.type === 'gauge') {
          this.sink.record('gauge', metric.name, 'Count', labels, sample.value, setKey);
          continue;
        }
        const key = `${metric.name}\u0000${setKey}`;
        const previous = this.lastCollectedCounts.get(key) ?? 0;
        this.lastCollectedCounts.set(key, sample.value);
        // A counter below its previous value was reset (e.g. a cache recreated): count from zero.
        const increase = sample.value >= previous ? sample.value - previous : sample.value;
        if (increase > 0) this.sink.record('counter', metric.name, 'Count', labels, increase, setKey);
      }
    }
  }

  /**
   * `pushCollectedToSink` at most once per `collectedPushIntervalMs` (the first call always
   * pushes); returns whether it pushed. Called after every invocation.
   */
  pushCollectedToSinkIfDue(now: number = performance.now()): boolean {
    if (this.lastCollectedPushAt !== undefined && now - this.lastCollectedPushAt < this.collectedPushIntervalMs) return false;
    this.lastCollectedPushAt = now;
    this.pushCollectedToSink();
    return true;
  }

  /** Every metric and collector of this registry as metric families (what an instance publishes for the fleet). */
  async toJson(): Promise<MetricFamilyJson[]> {
    const families = (await this.prom.getMetricsAsJSON()) as unknown as MetricFamilyJson[];
    const seen = new Set(families.map((family) => family.name));
    for (const metric of this.collectPulled()) {
      if (!METRIC_NAME.test(metric.name) || seen.has(metric.name)) {
        this.warn(`collected metric "${metric.name}" is invalid or duplicates another; skipped`);
        continue;
      }
      seen.add(metric.name);
      families.push({
        name: metric.name,
        help: metric.help,
        type: metric.type,
        aggregator: 'sum',
        values: metric.samples.map(({ labels, value }) => ({ value, labels: { ...labels } })),
      });
    }
    return families;
  }

  /** Prometheus text exposition format 0.0.4 of every metric and collector. */
  async renderPrometheus(): Promise<string> {
    return renderAggregated([await this.toJson()]);
  }

  /** Clears every series; definitions and collectors stay. */
  reset(): void {
    for (const metric of this.metrics.values()) metric.reset();
  }

  private getOrCreate(name: string, kind: MetricKind, create: () => AnyMetric): AnyMetric {
    const existing = this.metrics.get(name);
    if (existing) {
      if (existing.kind !== kind) throw new Error(`Metric ${name} is already registered as a ${existing.kind}`);
      return existing;
    }
    const metric = create();
    this.metrics.set(name, metric);
    return metric;
  }
}
