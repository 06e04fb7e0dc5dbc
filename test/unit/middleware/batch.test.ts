import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { getCorrelationId, getLogger } from '../../../lib/logger/index.js';
import { renderPrometheus, resetMetrics } from '../../../lib/metrics/index.js';
import { batchHandler } from '../../../lib/middleware/index.js';
import { lambdaContext } from '../../helpers/lambda.js';

describe('batchHandler', () => {
  let errorLines: Array<Record<string, unknown>>;

  beforeEach(() => {
    resetMetrics();
    errorLines = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      errorLines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      return true;
    });
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('returns what the function returns and records a success', async () => {
    const handler = batchHandler('score-drivers', (event: { drivers: number[] }) => ({ scored: event.drivers.length }));

    const result = await handler({ drivers: [1, 2, 3] }, lambdaContext());

    expect(result).toEqual({ scored: 3 });
    expect((await renderPrometheus())).toContain('batch_duration_seconds_count{handler="score-drivers",outcome="success"} 1\n');
  });

  it("uses the Lambda request id as the invocation's correlation id", async () => {
    const handler = batchHandler('ingest', (_event: unknown, batch) => ({ given: batch.correlationId, scoped: getCorrelationId() }));

    await expect(handler({}, lambdaContext('aws-req-77'))).resolves.toEqual({ given: 'aws-req-77', scoped: 'aws-req-77' });
  });

  it('logs a failure with its stack and correlation id, records it, and rethrows it for the platform to retry', async () => {
    const failure = new Error('broker unreachable');
    const handler = batchHandler('ingest', () => {
      throw failure;
    });

    await expect(handler({}, lambdaContext('aws-req-88'))).rejects.toBe(failure);

    expect((await renderPrometheus())).toContain('batch_duration_seconds_count{handler="ingest",outcome="failure"} 1\n');
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatchObject({ level: 'ERROR', message: 'batch failed', correlation_id: 'aws-req-88', handler: 'ingest' });
    expect((errorLines[0]?.error as { stack?: string }).stack).toMatch(/broker unreachable/);
  });

  it('keeps the correlation id and handler of each of 20 concurrent invocations on its own log lines', async () => {
    const handlers = {
      ingest: batchHandler('ingest', async (event: { n: number }) => {
        getLogger().error('working', { n: event.n });
        await new Promise((resolve) => setTimeout(resolve, event.n % 4));
        throw new Error(`batch ${event.n} failed`);
      }),
      'score-drivers': batchHandler('score-drivers', async (event: { n: number }) => {
        await new Promise((resolve) => setTimeout(resolve, event.n % 3));
        getLogger().error('working', { n: event.n });
        throw new Error(`batch ${event.n} failed`);
      }),
    };
    const runs = Array.from({ length: 20 }, (_, n) => ({ n, name: n % 2 === 0 ? ('ingest' as const) : ('score-drivers' as const) }));

    await Promise.allSettled(runs.map(({ n, name }) => handlers[name]({ n }, lambdaContext(`req-${n}`))));

    expect(errorLines).toHaveLength(40);
    for (const { n, name } of runs) {
      const own = errorLines.filter((line) => line.correlation_id === `req-${n}`);
      expect(own.map((line) => line.message).sort()).toEqual(['batch failed', 'working']);
      expect(own.every((line) => line.handler === name && line.function_request_id === `req-${n}`)).toBe(true);
      expect(own.find((line) => line.message === 'working')?.n).toBe(n);
      expect((own.find((line) => line.message === 'batch failed')?.error as { message?: string }).message).toBe(`batch ${n} failed`);
    }
  });
});
