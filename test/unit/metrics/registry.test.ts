import { describe, expect, it, vi } from 'vitest';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { COLLECTED_PUSH_INTERVAL_MS, Registry, labelSetKey, renderAggregated, type MetricSink } from '../../../lib/metrics/index.js';

function recordingSink() {
  const records: Array<{ kind: string; name: string; unit: string; labels: Record<string, string>; value: number }> = [];
  const keys: string[] = [];
  const sink: MetricSink = {
    record: (kind, name, unit, labels, value, labelSetKey) => {
      records.push({ kind, name, unit, labels: { ...labels }, value });
      keys.push(labelSetKey);
    },
  };
  return { sink, records, keys };
}

describe('Registry.renderPrometheus', () => {
  it('renders a labelled counter with HELP and TYPE lines and a trailing newline', async () => {
    const registry = new Registry();
    const hits = registry.counter({ name: 'cache_hits_total', help: 'Cache hits.', labelNames: ['cache'] });

    hits.inc({ cache: 'drivers' });
    hits.inc({ cache: 'drivers' }, 2);
    hits.inc({ cache: 'risk' });

    expect((await registry.renderPrometheus())).toBe(
      ['# HELP cache_hits_total Cache hits.', '# TYPE cache_hits_total counter', 'cache_hits_total{cache="drivers"} 3', 'cache_hits_total{cache="risk"} 1', ''].join('\n'),
    );
  });

  it('renders an unlabelled gauge without braces', async () => {
    const registry = new Registry();
    registry.gauge({ name: 'pool_open', help: 'Open connections.' }).set(4);

    expect((await registry.renderPrometheus())).toContain('\npool_open 4\n');
  });

  it('escapes backslash, double quote and newline in label values and backslash and newline in HELP', async () => {
    const registry = new Registry();
    registry.counter({ name: 'odd_total', help: 'A \\ help\nline', labelNames: ['v'] }).inc({ v: 'a"b\\c\nd' });

    const text = (await registry.renderPrometheus());

    expect(text).toContain('# HELP odd_total A \\\\ help\\nline\n');
    expect(text).toContain('odd_total{v="a\\"b\\\\c\\nd"} 1\n');
  });

  it('renders histogram buckets cumulatively with +Inf, _sum and _count', async () => {
    const registry = new Registry();
    const latency = registry.histogram({ name: 'req_seconds', help: 'Latency.', labelNames: ['route'], buckets: [0.1, 1] });

    latency.observe({ route: 'GET /x' }, 0.05);
    latency.observe({ route: 'GET /x' }, 0.5);
    latency.observe({ route: 'GET /x' }, 3);

    const lines = (await registry.renderPrometheus()).trim().split('\n');
    expect(lines).toEqual([
      '# HELP req_seconds Latency.',
      '# TYPE req_seconds histogram',
      'req_seconds_bucket{le="0.1",route="GET /x"} 1',
      'req_seconds_bucket{le="1",route="GET /x"} 2',
      'req_seconds_bucket{le="+Inf",route="GET /x"} 3',
      'req_seconds_sum{route="GET /x"} 3.55',
      'req_seconds_count{route="GET /x"} 3',
    ]);
  });

  it('counts a value equal to a bucket bound in that bucket', async () => {
    const registry = new Registry();
    registry.histogram({ name: 'h', help: 'h', buckets: [1, 2] }).observe(1);

    expect((await registry.renderPrometheus())).toContain('h_bucket{le="1"} 1\n');
  });

  it('includes collector figures and skips a collector that throws', async () => {
    const warnings: string[] = [];
    const registry = new Registry({ onWarning: (message) => warnings.push(message) });
    registry.registerCollector(() => [{ name: 'db_pool_busy', help: 'Busy connections.', type: 'gauge', samples: [{ value: 2 }] }]);
    registry.registerCollector(() => {
      throw new Error('pool gone');
    });

    const text = (await registry.renderPrometheus());

    expect(text).toContain('# TYPE db_pool_busy gauge\ndb_pool_busy 2\n');
    expect(warnings).toHaveLength(1);
  });

  it('stops reading a collector once it is unregistered', async () => {
    const registry = new Registry();
    const unregister = registry.registerCollector(() => [{ name: 'x', help: 'x', type: 'gauge', samples: [{ value: 1 }] }]);

    unregister();

    expect((await registry.renderPrometheus())).toBe('');
  });

  it('skips a collected metric whose name is already registered', async () => {
    const registry = new Registry();
    registry.counter({ name: 'dup_total', help: 'd' }).inc();
    registry.registerCollector(() => [{ name: 'dup_total', help: 'd', type: 'counter', samples: [{ value: 9 }] }]);

    expect((await registry.renderPrometheus()).match(/# TYPE dup_total/g)).toHaveLength(1);
  });
});

describe('Registry metric definitions', () => {
  it('returns the same metric when one is declared twice', () => {
    const registry = new Registry();

    expect(registry.counter({ name: 'a_total', help: 'a' })).toBe(registry.counter({ name: 'a_total', help: 'a' }));
  });

  it('refuses to declare a name again as another kind', () => {
    const registry = new Registry();
    registry.counter({ name: 'a_total', help: 'a' });

    expect(() => registry.gauge({ name: 'a_total', help: 'a' })).toThrow(/already registered as a counter/);
  });

  it('rejects invalid metric and label names', () => {
    const registry = new Registry();

    expect(() => registry.counter({ name: 'bad-name', help: 'x' })).toThrow(/Invalid metric name/);
    expect(() => registry.histogram({ name: 'ok', help: 'x', labelNames: ['le'] })).toThrow(/reserved label/);
  });

  it('refuses to decrease a counter', () => {
    const registry = new Registry();

    expect(() => registry.counter({ name: 'c_total', help: 'c' }).inc(-1)).toThrow(RangeError);
  });

  it('drops new label combinations beyond the series cap and warns once', async () => {
    const warnings: string[] = [];
    const registry = new Registry({ onWarning: (message) => warnings.push(message) });
    const counter = registry.counter({ name: 'wide_total', help: 'w', labelNames: ['id'] });

    for (let i = 0; i < 2100; i++) counter.inc({ id: i });

    expect((await registry.renderPrometheus()).split('\n').filter((line) => line.startsWith('wide_total{'))).toHaveLength(2000);
    expect(warnings).toHaveLength(1);
  });
});

describe('Registry sink', () => {
  it('forwards every sample with its unit and string labels', () => {
    const { sink, records } = recordingSink();
    const registry = new Registry({ sink });

    registry.counter({ name: 'hits_total', help: 'h', labelNames: ['cache'] }).inc({ cache: 'risk' });
    registry.histogram({ name: 'q_seconds', help: 'q', labelNames: ['status'] }).observe({ status: 200 }, 0.2);

    expect(records).toEqual([
      { kind: 'counter', name: 'hits_total', unit: 'Count', labels: { cache: 'risk' }, value: 1 },
      { kind: 'histogram', name: 'q_seconds', unit: 'Seconds', labels: { status: '200' }, value: 0.2 },
    ]);
  });

  it('hands the sink one key per label set: equal across metrics and label order, different for other values', () => {
    const { sink, keys } = recordingSink();
    const registry = new Registry({ sink });
    const requests = registry.counter({ name: 'a_total', help: 'a', labelNames: ['route', 'status'] });
    const latency = registry.histogram({ name: 'b_seconds', help: 'b', labelNames: ['status', 'route'] });

    requests.inc({ route: 'GET /x', status: 200 });
    latency.observe({ status: 200, route: 'GET /x' }, 0.1);
    requests.inc({ route: 'GET /x', status: 404 });

    expect(keys[0]).toBe(keys[1]);
    expect(keys[0]).toBe(labelSetKey({ status: '200', route: 'GET /x' }));
    expect(keys[2]).not.toBe(keys[0]);
  });

  it('keeps a metric declared with unit false out of the sink', () => {
    const { sink, records } = recordingSink();
    const registry = new Registry({ sink });

    registry.gauge({ name: 'local_only', help: 'l', unit: false }).set(1);

    expect(records).toEqual([]);
  });
});

describe('Registry.pushCollectedToSink', () => {
  it('sends collected gauges as values and collected counters as increases since the last push', () => {
    const { sink, records } = recordingSink();
    const registry = new Registry({ sink });
    let hits = 10;
    registry.registerCollector(() => [
      { name: 'cache_hits_total', help: 'h', type: 'counter', samples: [{ labels: { cache: 'drivers' }, value: hits }] },
      { name: 'db_pool_open', help: 'o', type: 'gauge', samples: [{ value: 3 }] },
    ]);

    registry.pushCollectedToSink();
    hits = 14;
    registry.pushCollectedToSink();
    registry.pushCollectedToSink();

    expect(records.filter((r) => r.name === 'cache_hits_total').map((r) => r.value)).toEqual([10, 4]);
    expect(records.filter((r) => r.name === 'db_pool_open').map((r) => r.value)).toEqual([3, 3, 3]);
    expect(records[0]).toMatchObject({ kind: 'counter', unit: 'Count', labels: { cache: 'drivers' } });
  });

  it('counts from zero again when a collected counter was reset', () => {
    const { sink, records } = recordingSink();
    const registry = new Registry({ sink });
    let value = 50;
    registry.registerCollector(() => [{ name: 'c_total', help: 'c', type: 'counter', samples: [{ value }] }]);

    registry.pushCollectedToSink();
    value = 2;
    registry.pushCollectedToSink();

    expect(records.map((r) => r.value)).toEqual([50, 2]);
  });
});

describe('Registry.pushCollectedToSinkIfDue', () => {
  it('runs the collectors at most once per interval, the first call included', () => {
    const { sink, records } = recordingSink();
    const registry = new Registry({ sink });
    const collector = vi.fn(() => [{ name: 'db_pool_open', help: 'o', type: 'gauge' as const, samples: [{ value: 3 }] }]);
    registry.registerCollector(collector);

    const pushed = [0, 1_000, COLLECTED_PUSH_INTERVAL_MS - 1, COLLECTED_PUSH_INTERVAL_MS, COLLECTED_PUSH_INTERVAL_MS + 5_000, 2 * COLLECTED_PUSH_INTERVAL_MS].map((now) =>
      registry.pushCollectedToSinkIfDue(now),
    );

    expect(pushed).toEqual([true, false, false, true, false, true]);
    expect(collector).toHaveBeenCalledTimes(3);
    expect(records).toHaveLength(3);
  });

  it('takes its interval from the options', () => {
    const registry = new Registry({ sink: recordingSink().sink, collectedPushIntervalMs: 10 });

    expect([registry.pushCollectedToSinkIfDue(100), registry.pushCollectedToSinkIfDue(105), registry.pushCollectedToSinkIfDue(110)]).toEqual([true, false, true]);
  });
});

describe('renderAggregated', () => {
  it('sums the same series of several instances into text a Prometheus parser reads, HELP and TYPE on every family', async () => {
    const instances = [new Registry(), new Registry()];
    for (const [i, registry] of instances.entries()) {
      registry.counter({ name: 'hits_total', help: 'Hits.', labelNames: ['cache'] }).inc({ cache: 'risk' }, i + 1);
      registry.histogram({ name: 'q_seconds', help: 'Query time.', buckets: [0.1, 1] }).observe(i === 0 ? 0.05 : 0.5);
      registry.registerCollector(() => [{ name: 'pool_busy', help: 'Busy.', type: 'gauge', samples: [{ value: 2 }] }]);
    }

    const text = await renderAggregated(await Promise.all(instances.map((registry) => registry.toJson())));
    const families = parsePrometheusTextFormat(text);

    expect(families.map((f) => [f.name, f.type])).toEqual([
      ['hits_total', 'COUNTER'],
      ['q_seconds', 'HISTOGRAM'],
      ['pool_busy', 'GAUGE'],
    ]);
    expect(families.every((f) => f.help.length > 0)).toBe(true);
    expect(families[0]?.metrics).toEqual([{ labels: { cache: 'risk' }, value: '3' }]);
    expect(families[1]?.metrics[0]).toMatchObject({ buckets: { '0.1': '1', '1': '2', '+Inf': '2' }, count: '2', sum: '0.55' });
    expect(families[2]?.metrics[0]?.value).toBe('4');
  });
});
