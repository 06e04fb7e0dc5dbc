import { performance } from 'node:perf_hooks';
import { getConfig } from '../config/index.js';
import { timedQuery } from '../db/index.js';
import { settleWithin } from '../deadline/index.js';
import { getLogger } from '../logger/index.js';
import { pingKafka } from '../kafka/index.js';
import { pingRedis } from '../redis/index.js';

/**
 * Reachability of the service's dependencies, independent of any transport: the HTTP health
 * function renders the report, and anything else (a smoke test, a script) can call it too.
 */

/** Resolves with a round-trip time in milliseconds; rejects when the dependency does not answer. */
export type Probe = () => Promise<number>;

export interface ComponentHealth {
  status: 'up' | 'down';
  /** The probe's round trip when up; the time until it failed or was given up when down. */
  latency_ms: number;
  /** Why the component is down: `timeout` or `unreachable` (details are logged, not exposed). */
  error?: 'timeout' | 'unreachable';
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  components: Record<string, ComponentHealth>;
  version: string;
}

export interface HealthCheckOptions {
  /** The checks to run, by component name. Defaults to database, Redis and Kafka. */
  probes?: Record<string, Probe>;
  /** Each check's own time limit; all checks run in parallel, so this bounds the whole report. */
  timeoutMs?: number;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 2000;

/** Round trip of `SELECT 1` on the shared pool (a pool connection is opened first if none is). */
export async function pingDatabase(): Promise<number> {
  return timedQuery('health.select_1', async (sql) => {
    const started = performance.now();
    await sql`SELECT 1`;
    return performance.now() - started;
  });
}

export const defaultProbes: Readonly<Record<string, Probe>> = {
  database: pingDatabase,
  redis: pingRedis,
  kafka: pingKafka,
};

class ProbeTimeout extends Error {}

async function runProbe(name: string, probe: Probe, timeoutMs: number): Promise<ComponentHealth> {
  const started = performance.now();
  try {
    const latency = await settleWithin(probe(), timeoutMs, () => {
      throw new ProbeTimeout(`no answer within ${timeoutMs} ms`);
    });
    return { status: 'up', latency_ms: roundMs(latency) };
  } catch (error) {
    const timedOut = error instanceof ProbeTimeout;
    getLogger().warn('Health check failed', { component: name, error });
    return { status: 'down', latency_ms: roundMs(performance.now() - started), error: timedOut ? 'timeout' : 'unreachable' };
  }
}

/** Runs every probe in parallel, each under its own time limit; `ok` only when all are up. */
export async function checkHealth(options: HealthCheckOptions = {}): Promise<HealthReport> {
  const { probes = defaultProbes, timeoutMs = DEFAULT_CHECK_TIMEOUT_MS } = options;
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => [name, await runProbe(name, probe, timeoutMs)] as const),
  );
  const components = Object.fromEntries(entries);
  const allUp = entries.every(([, health]) => health.status === 'up');
  return { status: allUp ? 'ok' : 'unavailable', components, version: getConfig().serviceVersion };
}

function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}
