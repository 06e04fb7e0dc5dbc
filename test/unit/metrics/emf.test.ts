import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EmfBuffer, Registry, labelSetKey, type EmfPublisher } from '../../../lib/metrics/index.js';

/** Records what would be published, one entry per EMF document. */
function recordingPublisher() {
  const documents: Array<{ dimensions: Record<string, string>; metrics: Record<string, number[]> }> = [];
  let current = { dimensions: {} as Record<string, string>, metrics: {} as Record<string, number[]> };
  const publisher: EmfPublisher = {
    addDimension: (name, value) => (current.dimensions[name] = value),
    addMetric: (name, _unit, value) => (current.metrics[name] ??= []).push(value),
    publishStoredMetrics: () => {
      documents.push(current);
      current = { dimensions: {}, metrics: {} };
    },
  };
  return { publisher, documents };
}

describe('EmfBuffer', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('publishes one document per label combination with the labels as dimensions', () => {
    const { publisher, documents } = recordingPublisher();
    const buffer = new EmfBuffer(() => publisher);
    const registry = new Registry({ sink: buffer });
    const latency = registry.histogram({ name: 'http_request_duration_seconds', help: 'h', labelNames: ['route', 'status'] });

    latency.observe({ route: 'GET /a', status: 200 }, 0.01);
    latency.observe({ route: 'GET /a', status: 200 }, 0.02);
    latency.observe({ route: 'GET /a', status: 404 }, 0.03);
    buffer.flush();

    expect(documents).toEqual([
      { dimensions: { route: 'GET /a', status: '200' }, metrics: { http_request_duration_seconds: [0.01, 0.02] } },
      { dimensions: { route: 'GET /a', status: '404' }, metrics: { http_request_duration_seconds: [0.03] } },
    ]);
  });

  it('puts metrics that share a label set, in any label order, in one document', () => {
    const { publisher, documents } = recordingPublisher();
    const buffer = new EmfBuffer(() => publisher);
    const registry = new Registry({ sink: buffer });

    registry.counter({ name: 'requests_total', help: 'r', labelNames: ['route', 'status'] }).inc({ route: 'GET /a', status: 200 });
    registry.histogram({ name: 'latency_seconds', help: 'l', labelNames: ['status', 'route'] }).observe({ status: 200, route: 'GET /a' }, 0.5);
    buffer.flush();

    expect(documents).toEqual([{ dimensions: { route: 'GET /a', status: '200' }, metrics: { requests_total: [1], latency_seconds: [0.5] } }]);
  });

  it('sends an empty label value as the dimension value "none"', () => {
    const { publisher, documents } = recordingPublisher();
    const buffer = new EmfBuffer(() => publisher);

    buffer.record('counter', 'c_total', 'Count', { cache: '' }, 1, labelSetKey({ cache: '' }));
    buffer.flush();

    expect(documents).toEqual([{ dimensions: { cache: 'none' }, metrics: { c_total: [1] } }]);
  });

  it('sums counters and keeps the last gauge value within one flush', () => {
    const { publisher, documents } = recordingPublisher();
    const buffer = new EmfBuffer(() => publisher);
    const registry = new Registry({ sink: buffer });

    const hits = registry.counter({ name: 'hits_total', help: 'h' });
    hits.inc();
    hits.inc(4);
    const open = registry.gauge({ name: 'open', help: 'o' });
    open.set(3);
    open.set(1);
    buffer.flush();

    expect(documents).toEqual([{ dimensions: {}, metrics: { hits_total: [5], open: [1] } }]);
  });

  it('publishes nothing when nothing was recorded, and nothing twice', () => {
    const { publisher, documents } = recordingPublisher();
    const buffer = new EmfBuffer(() => publisher);
    const registry = new Registry({ sink: buffer });

    buffer.flush();
    registry.counter({ name: 'c_total', help: 'c' }).inc();
    buffer.flush();
    buffer.flush();

    expect(documents).toHaveLength(1);
  });

  it('splits a series with more than 99 values into several whole documents', () => {
    const { publisher, documents } = recordingPublisher();
    const buffer = new EmfBuffer(() => publisher, 10_000);
    const registry = new Registry({ sink: buffer });
    const h = registry.histogram({ name: 'q_seconds', help: 'q', labelNames: ['query'] });

    for (let i = 0; i < 250; i++) h.observe({ query: 'users.find' }, i);
    buffer.flush();

    expect(documents.map((d) => d.metrics.q_seconds?.length)).toEqual([99, 99, 52]);
    expect(documents.every((d) => d.dimensions.query === 'users.find')).toBe(true);
  });

  it('publishes early once the buffer holds autoFlushAt values', () => {
    const { publisher, documents } = recordingPublisher();
    const buffer = new EmfBuffer(() => publisher, 5);
    const registry = new Registry({ sink: buffer });
    const h = registry.histogram({ name: 'q_seconds', help: 'q' });

    for (let i = 0; i < 5; i++) h.observe(i);

    expect(documents).toEqual([{ dimensions: {}, metrics: { q_seconds: [0, 1, 2, 3, 4] } }]);
  });

  it('records nothing when the publisher factory turns EMF off', () => {
    const factory = vi.fn(() => undefined);
    const buffer = new EmfBuffer(factory);
    const registry = new Registry({ sink: buffer });

    registry.counter({ name: 'c_total', help: 'c' }).inc();
    registry.counter({ name: 'c_total', help: 'c' }).inc();
    buffer.flush();

    expect(factory).toHaveBeenCalledTimes(1);
  });

  it('writes valid EMF through Powertools Metrics with namespace, service and label dimensions', () => {
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const buffer = new EmfBuffer(() => new Metrics({ namespace: 'TestNs', serviceName: 'svc' }));
    const registry = new Registry({ sink: buffer });

    registry.histogram({ name: 'http_request_duration_seconds', help: 'h', labelNames: ['route', 'status'] }).observe({ route: 'GET /x', status: 201 }, 0.25);
    buffer.flush();
    vi.restoreAllMocks();

    const documents = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((doc) => '_aws' in doc);
    expect(documents).toHaveLength(1);
    const doc = documents[0] as { _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> } } & Record<string, unknown>;
    const directive = doc._aws.CloudWatchMetrics[0]!;
    expect(directive.Namespace).toBe('TestNs');
    expect(directive.Dimensions[0]).toEqual(expect.arrayContaining(['service', 'route', 'status']));
    expect(directive.Metrics).toEqual([{ Name: 'http_request_duration_seconds', Unit: 'Seconds' }]);
    expect(doc).toMatchObject({ service: 'svc', route: 'GET /x', status: '201', http_request_duration_seconds: 0.25 });
  });
});
