/**
 * serverless-offline for `npm run bench:api`: the project's own offline (stage local, as
 * `npm run dev` runs it) on free ports bound to 127.0.0.1, in one of its two execution models:
 *
 *   worker threads (its default, what `npm run dev` uses): each function instance is a worker
 *     thread with its own module state (caches, pools), one per concurrent request of a function,
 *     as Lambda gives each concurrent invocation an instance of its own;
 *   in process (`--useInProcess`): every handler runs in offline's own process and shares one
 *     module state, which removes the thread hop and the per-instance cold starts.
 */
import { startOffline } from '../../test/e2e/offline-server.js';
import { runLoad, type LoadRequest, type LoadResult } from './api-load.js';

export type OfflineMode = 'worker-threads' | 'in-process';

export interface OfflineMeasurement {
  warmup: LoadResult;
  measured: LoadResult;
  /** Seconds from spawn until offline answered (bundling every function with esbuild). */
  startSeconds: number;
}

/** Starts offline, warms it up with the mix (instances start, caches fill), measures, stops it. */
export async function measureOffline(
  mode: OfflineMode,
  requests: readonly LoadRequest[],
  options: { connections: number; warmupMs: number; durationMs: number; env: Record<string, string> },
): Promise<OfflineMeasurement> {
  const started = performance.now();
  const server = await startOffline({
    stage: 'local',
    env: options.env,
    args: ['--host', '127.0.0.1', ...(mode === 'in-process' ? ['--useInProcess'] : [])],
    readyTimeoutMs: 300_000,
  });
  const startSeconds = (performance.now() - started) / 1000;
  try {
    const url = server.httpUrl.replace('localhost', '127.0.0.1');
    const warmup = await runLoad(url, requests, { connections: options.connections, durationMs: options.warmupMs });
    const measured = await runLoad(url, requests, { connections: options.connections, durationMs: options.durationMs });
    return { warmup, measured, startSeconds };
  } finally {
    await server.stop();
  }
}
