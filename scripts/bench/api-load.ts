/**
 * The HTTP side of `npm run bench:api`: a small closed-loop load generator (node:http, keep-alive
 * connections, one request in flight per connection) that replays the mix against a base URL on
 * 127.0.0.1 for a bounded time, and the bare Node server answering a 1 KB JSON that serves as the
 * reference for what the machine and the loader manage without any function in the way.
 */
import { Agent, createServer, request as httpRequest } from 'node:http';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { WorkerProcess, serveParent } from './worker-protocol.js';

export interface LoadRequest {
  /** Path and query string. */
  path: string;
  headers: Record<string, string>;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  /** Milliseconds, one per answered request. */
  latencies: Float64Array;
  /** Count per status code; `error` for requests that got no answer. */
  statuses: Record<string, number>;
}

/** Stops early once this many requests got no answer: the server is gone, the figures would mean nothing. */
const MAX_FAILURES = 100;
const LATENCY_CAPACITY = 2_000_000;
/** A request unanswered this long counts as failed (offline's own default Lambda timeout is 30 s). */
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * Sends `requests` (in order, wrapping around) over `connections` connections for `durationMs`.
 * Only 127.0.0.1: the benchmark never loads another host.
 */
export async function runLoad(baseUrl: string, requests: readonly LoadRequest[], options: { connections: number; durationMs: number }): Promise<LoadResult> {
  const url = new URL(baseUrl);
  if (!['127.0.0.1', 'localhost'].includes(url.hostname)) throw new Error(`refusing to load ${url.hostname}: only 127.0.0.1`);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies = new Float64Array(LATENCY_CAPACITY);
  const statuses: Record<string, number> = {};
  let answered = 0;
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const connection = async (): Promise<void> => {
    while (performance.now() < deadline && failures < MAX_FAILURES && answered < LATENCY_CAPACITY) {
      const request = requests[next++ % requests.length]!;
      const sent = performance.now();
      try {
        const status = await get(url, request, agent);
        latencies[answered++] = performance.now() - sent;
        statuses[status] = (statuses[status] ?? 0) + 1;
      } catch {
        failures++;
        statuses.error = (statuses.error ?? 0) + 1;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.connections }, connection));
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - started) / 1000;
  return { requests: answered, seconds, rps: answered / seconds, latencies: latencies.subarray(0, answered), statuses };
}

/** One GET, the answer read to its end; resolves to its status. */
function get(base: URL, request: LoadRequest, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: base.hostname, port: base.port, path: request.path, headers: request.headers, agent, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      response.resume();
      response.once('end', () => resolve(response.statusCode ?? 0));
      response.once('error', reject);
    })
      .once('timeout', function (this: ReturnType<typeof httpRequest>) {
        this.destroy(new Error('timed out'));
      })
      .once('error', reject)
      .end();
  });
}

/** About 1 KB of JSON, shaped like a driver's read. */
export const BARE_BODY = JSON.stringify({
  id: 42,
  name: 'Bare Reference',
  trips: Array.from({ length: 11 }, (_, i) => ({ id: `00000000-0000-4000-8000-0000000000${String(i).padStart(2, '0')}`, distance_km: 12.5 + i, harsh_braking_count: i % 3 })),
});

type BareCommand = { op: 'port' };

/** Starts the bare server in a process of its own (as offline runs in its own), on a free port. */
export async function startBareServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const worker = new WorkerProcess<BareCommand>(fileURLToPath(import.meta.url), { args: ['--bare-server'] });
  await worker.ready();
  const { port } = await worker.request<{ port: number }>({ op: 'port' });
  return { url: `http://127.0.0.1:${port}`, stop: () => worker.stop() };
}

if (process.argv.includes('--bare-server')) {
  const body = Buffer.from(BARE_BODY);
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    response.end(body);
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await serveParent<BareCommand>(() => Promise.resolve({ port }), () => new Promise((resolve) => server.close(() => resolve())));
}
