export { EmfBuffer, type EmfPublisher } from './emf.js';
export {
  COLLECTED_PUSH_INTERVAL_MS,
  Counter,
  Gauge,
  Histogram,
  LATENCY_BUCKETS_SECONDS,
  Registry,
  labelSetKey,
  renderAggregated,
  type CollectedMetric,
  type MetricFamilyJson,
  type Collector,
  type HistogramOptions,
  type LabelValues,
  type MetricOptions,
  type MetricSink,
  type MetricUnitValue,
} from './registry.js';
export * from './instruments.js';
