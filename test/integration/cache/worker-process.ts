import { fileURLToPath } from 'node:url';
import { WorkerProcess } from '../../../scripts/bench/worker-protocol.js';

export { allReady } from '../../../scripts/bench/worker-protocol.js';

/** Commands understood by worker.ts. */
export type CacheWorkerCommand =
  /** `holdLoad`: the loader reports `{ event: 'loading', key }`, then waits for an item on this Redis list. */
  | { op: 'get'; cache: string; key: string; groups?: string[]; loadDelayMs?: number; holdLoad?: string }
  | { op: 'stampede'; cache: string; key: string; concurrency: number; barrier: string; loadDelayMs: number }
  | { op: 'stats' };

/** What the worker's loader returns. */
export interface LoadedValue {
  key: string;
  source: string | null;
  loadedBy: number;
}

/** Redis key counting loader runs of a key across all processes. */
export const loadCounterKey = (cachePrefix: string, key: string): string => `${cachePrefix}:test:loads:${key}`;
/** Redis key standing in for the database row the loader reads. */
export const sourceKey = (cachePrefix: string, key: string): string => `${cachePrefix}:test:source:${key}`;

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** A worker.ts child process: another function instance with its own L1 and Redis connections. */
export class CacheWorker extends WorkerProcess<CacheWorkerCommand> {
  /** Starts the process without waiting for it; call `ready()` before sending commands. */
  constructor(env: Record<string, string>) {
    super(WORKER, { env: { LOG_LEVEL: 'ERROR', ...env } });
  }

  static async start(env: Record<string, string>, readyTimeoutMs?: number): Promise<CacheWorker> {
    const worker = new CacheWorker(env);
    await worker.ready(readyTimeoutMs);
    return worker;
  }

  async get(cache: string, key: string, options: { groups?: string[]; holdLoad?: string } = {}): Promise<LoadedValue> {
    const reply = await this.request<{ value: LoadedValue }>({ op: 'get', cache, key, ...options });
    return reply.value;
  }
}
