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
  /** Warm-up windows, in order: load until the rate settles (instances started, caches filled). */
  warmup: LoadResult[];
  measured: LoadResult;
  /** Seconds from spawn until offline answered (bundling every function with esbuild). */
  startSeconds: number;
}

/** A warm-up window's rate within this fraction of the previous one's counts as settled. */
const SETTLED = 0.15;

/**
 * Loads in windows of `windowMs` until two successive windows' rates agree within SETTLED, for at
 * most `maxWarmupMs`: with worker threads, offline starts a new instance (thread, module graph,
 * pools) whenever every instance of a function is busy, so the first tens of seconds measure cold starts.
 */
async function warmUp(url: string, requests: readonly LoadRequest[], connections: number, windowMs: number, maxWarmupMs: number): Promise<LoadResult[]> {
  const windows: LoadResult[] = [];
  const deadline = performance.now() + maxWarmupMs;
  while (performance.now() < deadline) {
    const window = await runLoad(url, requests, { connections, durationMs: windowMs });
    const previous = windows.at(-1);
    windows.push(window);
    // A window whose last requests outlived it by far was still waiting for instances to start.
    const overran = window.seconds > (2 * windowMs) / 1000;
    if (previous && !overran && Math.abs(window.rps - previous.rps) <= SETTLED * Math.max(window.rps, previous.rps)) break;
  }
  return windows;
}

/** Starts offline, warms it up with the mix until its rate settles, measures, stops it. */
export async function measureOffline(
  mode: OfflineMode,
  requests: readonly LoadRequest[],
  options: { connections: number; warmupWindowMs: number; maxWarmupMs: number; durationMs: number; env: Record<string, string> },
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
    const warmup = await warmUp(url, requests, options.connections, options.warmupWindowMs, options.maxWarmupMs);
    const measured = await runLoad(url, requests, { connections: options.connections, durationMs: options.durationMs });
    return { warmup, measured, startSeconds };
  } finally {
    await server.stop();
  }
}
