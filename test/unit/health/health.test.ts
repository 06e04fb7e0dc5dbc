import { describe, expect, it } from 'vitest';
import { checkHealth, type Probe } from '../../../lib/health/index.js';

const answersIn = (latencyMs: number): Probe => () => Promise.resolve(latencyMs);
const fails: Probe = () => Promise.reject(new Error('connect ECONNREFUSED 10.0.0.1:5432'));
const neverAnswers: Probe = () => new Promise<number>(() => undefined);

describe('checkHealth', () => {
  it('reports ok with every component up and its probe latency rounded to 0.01 ms', async () => {
    const report = await checkHealth({ probes: { database: answersIn(1.23456), redis: answersIn(0.5) } });

    expect(report).toEqual({
      status: 'ok',
      version: '0.0.0-dev',
      components: { database: { status: 'up', latency_ms: 1.23 }, redis: { status: 'up', latency_ms: 0.5 } },
    });
  });

  it('reports unavailable when one probe fails, naming it unreachable without exposing the error', async () => {
    const report = await checkHealth({ probes: { database: fails, redis: answersIn(1) } });

    expect(report.status).toBe('unavailable');
    expect(report.components.redis).toEqual({ status: 'up', latency_ms: 1 });
    expect(report.components.database).toMatchObject({ status: 'down', error: 'unreachable' });
    expect(JSON.stringify(report)).not.toContain('10.0.0.1');
  });

  it('gives up on a probe that does not answer within its time limit and reports a timeout', async () => {
    const report = await checkHealth({ probes: { kafka: neverAnswers, redis: answersIn(1) }, timeoutMs: 20 });

    expect(report.status).toBe('unavailable');
    expect(report.components.kafka).toMatchObject({ status: 'down', error: 'timeout' });
    expect(report.components.kafka?.latency_ms).toBeGreaterThanOrEqual(19);
    expect(report.components.redis?.status).toBe('up');
  });

  it('starts every probe before any of them has answered', async () => {
    const started: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const gated = (name: string): Probe => async () => {
      started.push(name);
      await gate;
      return 1;
    };

    const pending = checkHealth({ probes: { database: gated('database'), redis: gated('redis'), kafka: gated('kafka') } });
    await Promise.resolve();
    const startedBeforeAnyAnswer = [...started];
    release();
    const report = await pending;

    expect(startedBeforeAnyAnswer.sort()).toEqual(['database', 'kafka', 'redis']);
    expect(report.status).toBe('ok');
  });
});
