import { Metrics } from '@aws-lambda-powertools/metrics';
import { prometheusContentType } from 'prom-client';
import { getConfig } from '../config/index.js';
import { getLogger } from '../logger/index.js';
import { EmfBuffer } from './emf.js';
import { Registry, type Collector, type Counter, type Gauge, type Histogram, type HistogramOptions, type MetricFamilyJson, type MetricOptions } from './registry.js';

/** Prometheus text exposition format 0.0.4, what prom-client renders. */
export const PROMETHEUS_CONTENT_TYPE = prometheusContentType;

/**
 * The instance's metrics. Everything recorded here is kept for `GET /metrics` (Prometheus text)
 * and buffered for CloudWatch EMF; the middleware publishes the EMF buffer once per invocation
 * with `flushMetrics()`. EMF is off in the local and test stages unless METRICS_EMF=true.
 */

const emf = new EmfBuffer(() => {
  const config = getConfig();
  if (!config.metrics.emf) return undefined;
  return new Metrics({ namespace: config.metrics.namespace, serviceName: config.serviceName });
});

const registry = new Registry({
  sink: emf,
  onWarning: (message, error) => getLogger().warn(message, error === undefined ? {} : { error }),
});

export function counter<L extends string = never>(options: MetricOptions<L>): Counter<L> {
  return registry.counter(options);
}

export function gauge<L extends string = never>(options: MetricOptions<L>): Gauge<L> {
  return registry.gauge(options);
}

export function histogram<L extends string = never>(options: HistogramOptions<L>): Histogram<L> {
  return registry.histogram(options);
}

/** Adds a figure read at every `renderPrometheus()` (pool stats, cache stats); returns the remover. */
export function registerCollector(collector: Collector): () => void {
  return registry.registerCollector(collector);
}

/** This instance's figures in the Prometheus text format (GET /metrics renders the fleet's, see fleet.ts). */
export function renderPrometheus(): Promise<string> {
  return registry.renderPrometheus();
}

/** This instance's figures as metric families, what it publishes for the fleet view. */
export function instanceMetricFamilies(): Promise<MetricFamilyJson[]> {
  return registry.toJson();
}

/**
 * Publishes the EMF recorded since the last flush; called once per invocation by the middleware.
 * The collectors' figures (pool and cache statistics) join it at most once per
 * `COLLECTED_PUSH_INTERVAL_MS`, so CloudWatch gets what `GET /metrics` shows without every
 * invocation paying for every collector.
 */
export function flushMetrics(): void {
  if (!emf.enabled) return;
  registry.pushCollectedToSinkIfDue();
  emf.flush();
}

/** Clears every series and the EMF buffer (tests). */
export function resetMetrics(): void {
  registry.reset();
  emf.discard();
}

export const httpRequestDuration = histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by route template and response status.',
  labelNames: ['route', 'status'],
});

export const dbQueryDuration = histogram({
  name: 'db_query_duration_seconds',
  help: 'Database operation duration by operation name and outcome.',
  labelNames: ['query', 'outcome'],
});

export const batchDuration = histogram({
  name: 'batch_duration_seconds',
  help: 'Duration of batch and scheduled invocations by handler and outcome.',
  labelNames: ['handler', 'outcome'],
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
});

export function observeHttpRequest(route: string, status: number, durationMs: number): void {
  httpRequestDuration.observe({ route, status }, durationMs / 1000);
}

/** Feed for lib/db's timing hook: `onQueryTiming((t) => observeDbQuery(t.durationMs, t.name, t.ok))`. */
export function observeDbQuery(durationMs: number, query: string, ok = true): void {
  dbQueryDuration.observe({ query, outcome: ok ? 'ok' : 'error' }, durationMs / 1000);
}

export function observeBatch(handler: string, ok: boolean, durationMs: number): void {
  batchDuration.observe({ handler, outcome: ok ? 'success' : 'failure' }, durationMs / 1000);
}
