/**
 * In-process measurement of `npm run bench:api`: the functions' handlers called as Lambda calls
 * them, with API Gateway v2 events carrying real tokens, one request at a time (what one
 * invocation costs). Runs in a process of its own, because whether the cache is on is fixed when
 * the domains' caches are created (at import): the parent starts one process with the cache on
 * (a fresh key prefix: it starts cold and warms up on the mix) and one with it off.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { getCacheStats, connectCacheBus, type CacheCounters } from '../../lib/cache/index.js';
import { closeDb } from '../../lib/db/index.js';
import { closeRedis } from '../../lib/redis/index.js';
import { httpEvent, lambdaContext } from '../../test/helpers/lambda.js';
import { generateMix, type BenchRequest, type Population } from './api-mix.js';
import { WorkerProcess, serveParent } from './worker-protocol.js';

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface DirectRun {
  /** The population, as JSON in a file (too large for one command line). */
  populationFile: string;
  seed: number;
  warmup: number;
  count: number;
}

export interface DirectResult {
  /** Milliseconds per measured request, in mix order. */
  latencies: number[];
  kinds: string[];
  groups: string[];
  /** Count per `kind status`, e.g. `trip 200`. */
  statuses: Record<string, number>;
  /** Cache counters accumulated over the measured requests only (after the warm-up). */
  cacheDelta: Record<string, Pick<CacheCounters, 'l1_hits' | 'l2_hits' | 'misses' | 'coalesced' | 'loads'>>;
  /** The same over warm-up and measurement together: how a cold instance fares. */
  cacheTotal: Record<string, Pick<CacheCounters, 'l1_hits' | 'l2_hits' | 'misses' | 'coalesced' | 'loads'>>;
}

type DirectCommand = { op: 'run' } & DirectRun;

const COUNTED = ['l1_hits', 'l2_hits', 'misses', 'coalesced', 'loads'] as const;

function countersSince(before: Record<string, CacheCounters>): DirectResult['cacheDelta'] {
  const delta: DirectResult['cacheDelta'] = {};
  for (const [name, now] of Object.entries(getCacheStats())) {
    const then = before[name];
    delta[name] = Object.fromEntries(COUNTED.map((field) => [field, now[field] - (then?.[field] ?? 0)])) as DirectResult['cacheDelta'][string];
  }
  return delta;
}

/** Imports each function's handler once, as a Lambda instance would at cold start. */
async function loadHandlers(requests: readonly BenchRequest[]): Promise<Map<string, Handler>> {
  const handlers = new Map<string, Handler>();
  for (const name of new Set(requests.map((request) => request.functionName))) {
    const module = (await import(`../../functions/${name}/handler.js`)) as { handler: Handler };
    handlers.set(name, module.handler);
  }
  return handlers;
}

function eventOf(request: BenchRequest, index: number): APIGatewayProxyEventV2 {
  return httpEvent({
    path: request.path,
    routeKey: request.routeKey,
    headers: { authorization: `Bearer ${request.token}` },
    ...(request.query ? { query: request.query } : {}),
    ...(request.pathParameters ? { pathParameters: request.pathParameters } : {}),
    requestId: `bench-${index}`,
  });
}

async function run({ populationFile, seed, warmup, count }: DirectRun): Promise<DirectResult> {
  const population = JSON.parse(await readFile(populationFile, 'utf8')) as Population;
  const requests = generateMix(population, warmup + count, seed);
  const handlers = await loadHandlers(requests);
  // Events are built before timing: API Gateway hands the function a parsed event.
  const events = requests.map(eventOf);
  await connectCacheBus();
  const empty = getCacheStats();
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let before = empty;
  for (let i = 0; i < requests.length; i++) {
    if (i === warmup) before = getCacheStats();
    const request = requests[i]!;
    const handler = handlers.get(request.functionName)!;
    const started = performance.now();
    const result = await handler(events[i]!, lambdaContext(`bench-${i}`));
    const elapsed = performance.now() - started;
    if (i < warmup) continue;
    latencies.push(elapsed);
    const key = `${request.kind} ${result.statusCode}`;
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  const measured = requests.slice(warmup);
  return {
    latencies,
    kinds: measured.map((request) => request.kind),
    groups: measured.map((request) => request.group),
    statuses,
    cacheDelta: countersSince(before),
    cacheTotal: countersSince(empty),
  };
}

/** Parent side: runs the mix in a fresh process with the given environment (e.g. CACHE_ENABLED=false). */
export async function measureDirect(options: DirectRun, env: Record<string, string>): Promise<DirectResult> {
  const worker = new WorkerProcess<DirectCommand>(fileURLToPath(import.meta.url), { args: ['--worker'], env });
  try {
    await worker.ready();
    return (await worker.request({ op: 'run', ...options })) as unknown as DirectResult;
  } finally {
    await worker.stop();
  }
}

if (process.argv.includes('--worker')) {
  await serveParent<DirectCommand>(
    ({ op: _op, ...options }) => run(options),
    async () => {
      await closeDb();
      await closeRedis();
    },
  );
}
