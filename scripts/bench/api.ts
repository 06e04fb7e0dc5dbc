/**
 * `npm run bench:api [-- --quick]`: the HTTP API on the 1000-driver dataset, with a realistic mix
 * (api-mix.ts: mostly drivers reading their own data, Zipf-chosen, some dashboard, some admin lists).
 *
 *   (a) direct     the functions' handlers called in-process with API Gateway v2 events and real
 *                  tokens, one at a time: cached (cache on, fresh key prefix, after a warm-up) and
 *                  uncached (cache off: every read goes to PostgreSQL)
 *   (b) offline    the same mix over HTTP through serverless-offline at 50 connections, with its
 *                  default worker threads (what `npm run dev` runs) and with --useInProcess
 *   (c) bare       a bare Node HTTP server answering a 1 KB JSON, same loader, same run
 *   (d) hit ratio  of the mix, from the caches' counters over the measured cached requests
 *
 * The dataset lives in a database of its own (BENCH_DATABASE_URL, default telematics_bench_api),
 * seeded on the first run and reused afterwards (api-dataset.ts); the current scores and premiums
 * are warmed into the cache first, as the scoring run does after every run. Load goes to 127.0.0.1 only and
 * every loop is bounded. Ends with one line:
 *   api direct_cached_p95_ms=N direct_uncached_p95_ms=N dashboard_p95_ms=N offline_rps=N bare_rps=N ratio=N hit_ratio=N
 * (dashboard: the dashboard requests of the cached mix; offline: worker threads, as `npm run dev`;
 * ratio: offline_rps / bare_rps). Targets: cached p95 < 0.5 ms, uncached p95 < 5 ms, dashboard
 * p95 < 5 ms, hit ratio > 0.95, offline >= 1,000 req/s.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { resetConfig } from '../../lib/config/index.js';
import { closeDb } from '../../lib/db/index.js';
import { closeRedis, ensureRedisConnected } from '../../lib/redis/index.js';
import { benchDatabaseUrl, prepareDataset, warmAsScoringDoes } from './api-dataset.js';
import { measureDirect, type DirectResult } from './api-direct.js';
import { runLoad, startBareServer, type LoadRequest, type LoadResult } from './api-load.js';
import { generateMix, urlPathOf, type Population } from './api-mix.js';
import { measureOffline, type OfflineMeasurement, type OfflineMode } from './api-offline.js';
import { formatSummary, summarize, type Summary } from './stats.js';

const SEED = 42;
const CONNECTIONS = 50;
/** Run sizes; `--quick` is for development on a shared machine, the full run for the figures. */
const SIZES = {
  full: { cachedWarmup: 20_000, cached: 20_000, uncachedWarmup: 300, uncached: 3_000, httpRequests: 20_000, bareMs: 10_000, warmupWindowMs: 5_000, maxWarmupMs: 120_000, offlineMs: 20_000 },
  quick: { cachedWarmup: 3_000, cached: 3_000, uncachedWarmup: 100, uncached: 500, httpRequests: 5_000, bareMs: 3_000, warmupWindowMs: 3_000, maxWarmupMs: 30_000, offlineMs: 5_000 },
};

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false }, 'skip-offline': { type: 'boolean', default: false } } });
const size = flags.quick ? SIZES.quick : SIZES.full;
const load = (): string => loadavg().map((value) => value.toFixed(2)).join(' ');

function printLatencies(title: string, result: DirectResult): { all: Summary; dashboard: Summary } {
  console.log(`\n${title}`);
  const byKind = new Map<string, number[]>();
  result.latencies.forEach((ms, i) => {
    const kind = result.kinds[i]!;
    if (!byKind.has(kind)) byKind.set(kind, []);
    byKind.get(kind)!.push(ms);
  });
  const all = summarize(result.latencies);
  const dashboard = summarize(result.latencies.filter((_, i) => result.groups[i] === 'dashboard'));
  console.log(`  ${formatSummary('all', all, 'ms', 3)}`);
  console.log(`  ${formatSummary('dashboard', dashboard, 'ms', 3)}`);
  for (const [kind, samples] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) console.log(`  ${formatSummary(kind, summarize(samples), 'ms', 3)}`);
  const unexpected = Object.entries(result.statuses).filter(([key]) => !key.endsWith(' 200'));
  console.log(`  statuses: ${Object.entries(result.statuses).map(([key, count]) => `${key}=${count}`).join(' ')}`);
  if (unexpected.length > 0) console.log(`  WARNING: answers other than 200: ${unexpected.map(([key, count]) => `${key} x${count}`).join(', ')}`);
  return { all, dashboard };
}

function hitRatio(counters: DirectResult['cacheDelta']): { ratio: number; lines: string[] } {
  let hits = 0;
  let lookups = 0;
  const lines: string[] = [];
  for (const [name, c] of Object.entries(counters).sort(([a], [b]) => a.localeCompare(b))) {
    const cacheHits = c.l1_hits + c.l2_hits;
    const cacheLookups = cacheHits + c.misses + c.coalesced;
    if (cacheLookups === 0) continue;
    hits += cacheHits;
    lookups += cacheLookups;
    lines.push(`  ${name.padEnd(10)} l1_hits=${c.l1_hits} l2_hits=${c.l2_hits} misses=${c.misses} loads=${c.loads} hit_ratio=${(cacheHits / cacheLookups).toFixed(3)}`);
  }
  return { ratio: lookups > 0 ? hits / lookups : Number.NaN, lines };
}

function printLoad(label: string, result: LoadResult): Summary {
  const summary = summarize(result.latencies);
  const statuses = Object.entries(result.statuses).map(([status, count]) => `${status}=${count}`).join(' ');
  console.log(`  ${label.padEnd(24)} ${Math.round(result.rps).toString().padStart(6)} req/s  ${formatSummary('', summary, 'ms', 2, 0).trim()}  statuses: ${statuses}`);
  return summary;
}

async function measureHttp(population: Population, env: Record<string, string>): Promise<{ bare: LoadResult; offline: Partial<Record<OfflineMode, OfflineMeasurement>> }> {
  // The same mix as the direct runs, from another seed so it is not a replay of their warm-up.
  const requests: LoadRequest[] = generateMix(population, size.httpRequests, SEED + 1).map((request) => ({
    path: urlPathOf(request),
    headers: { authorization: `Bearer ${request.token}` },
  }));
  console.log(`\n(b, c) over HTTP, ${CONNECTIONS} connections, closed loop (one request in flight per connection), load average ${load()}`);
  const bareServer = await startBareServer();
  let bare: LoadResult;
  try {
    await runLoad(bareServer.url, [{ path: '/', headers: {} }], { connections: CONNECTIONS, durationMs: 1_000 });
    bare = await runLoad(bareServer.url, [{ path: '/', headers: {} }], { connections: CONNECTIONS, durationMs: size.bareMs });
  } finally {
    await bareServer.stop();
  }
  printLoad('bare node:http, 1 KB', bare);

  const offline: Partial<Record<OfflineMode, OfflineMeasurement>> = {};
  if (flags['skip-offline']) return { bare, offline };
  for (const mode of ['worker-threads', 'in-process'] as const) {
    const measurement = await measureOffline(mode, requests, {
      connections: CONNECTIONS,
      warmupWindowMs: size.warmupWindowMs,
      maxWarmupMs: size.maxWarmupMs,
      durationMs: size.offlineMs,
      env,
    });
    offline[mode] = measurement;
    console.log(`  offline ${mode}: started in ${measurement.startSeconds.toFixed(1)} s, load average ${load()}`);
    measurement.warmup.forEach((window, i) => printLoad(`  warm-up window ${i + 1}`, window));
    printLoad(`  measured ${(size.offlineMs / 1000).toFixed(0)} s`, measurement.measured);
  }
  return { bare, offline };
}

/** Removes the run's cache entries (its prefix is its own). */
async function deleteRunKeys(prefix: string): Promise<void> {
  const redis = await ensureRedisConnected();
  let cursor = '0';
  do {
    const [nextCursor, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = nextCursor;
    if (keys.length > 0) await redis.unlink(...keys);
  } while (cursor !== '0');
}

async function main(): Promise<void> {
  const databaseUrl = benchDatabaseUrl();
  const prefix = `bench-api:${process.pid}-${randomBytes(3).toString('hex')}`;
  // The handlers log each request at INFO; on Lambda that goes to CloudWatch asynchronously, here it
  // would measure a terminal. LOG_LEVEL overrides.
  const env = { DATABASE_URL: databaseUrl, CACHE_PREFIX: prefix, STAGE: 'local', LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARN' };
  Object.assign(process.env, env);
  resetConfig();
  console.log(`api benchmark${flags.quick ? ' (--quick)' : ''}: database ${new URL(databaseUrl).pathname.slice(1)}, cache prefix ${prefix}, LOG_LEVEL ${env.LOG_LEVEL}, load average ${load()}`);

  const directory = await mkdtemp(path.join(tmpdir(), 'bench-api-'));
  try {
    const population = await prepareDataset(databaseUrl, SEED);
    await warmAsScoringDoes(population);
    await closeDb();
    const populationFile = path.join(directory, 'population.json');
    await writeFile(populationFile, JSON.stringify(population));
    console.log(`mix: ${population.drivers.length} drivers (Zipf s=1), ${CONNECTIONS} HTTP connections`);

    const cached = await measureDirect({ populationFile, seed: SEED, warmup: size.cachedWarmup, count: size.cached }, { ...env, CACHE_ENABLED: 'true' });
    const cachedFigures = printLatencies(`(a) direct, cache on: ${size.cached} requests after ${size.cachedWarmup} of warm-up, one at a time, load average ${load()}`, cached);
    const hits = hitRatio(cached.cacheDelta);
    const coldHits = hitRatio(cached.cacheTotal);
    console.log(`\n(d) cache hit ratio of the measured mix: ${hits.ratio.toFixed(3)} (from a cold cache, warm-up included: ${coldHits.ratio.toFixed(3)})`);
    for (const line of hits.lines) console.log(line);

    const uncached = await measureDirect(
      { populationFile, seed: SEED, warmup: size.uncachedWarmup, count: size.uncached },
      { ...env, CACHE_ENABLED: 'false' },
    );
    const uncachedFigures = printLatencies(
      `(a) direct, cache off: ${size.uncached} requests after ${size.uncachedWarmup} of warm-up, one at a time, load average ${load()}`,
      uncached,
    );

    const { bare, offline } = await measureHttp(population, env);
    const devMode = offline['worker-threads']?.measured;
    const offlineRps = devMode?.rps ?? Number.NaN;
    console.log(
      `\nnpm run dev runs offline with its default worker threads (serverless.yml sets no useInProcess): each function ` +
        `instance has its own module state as on Lambda, so per-instance caches, pools and cold starts behave as deployed; ` +
        `--useInProcess trades that isolation for speed.`,
    );
    console.log(`load average at the end ${load()}`);
    console.log(
      `api direct_cached_p95_ms=${cachedFigures.all.p95.toFixed(3)} direct_uncached_p95_ms=${uncachedFigures.all.p95.toFixed(3)} ` +
        `dashboard_p95_ms=${cachedFigures.dashboard.p95.toFixed(3)} offline_rps=${Math.round(offlineRps)} bare_rps=${Math.round(bare.rps)} ` +
        `ratio=${(offlineRps / bare.rps).toFixed(4)} hit_ratio=${hits.ratio.toFixed(3)}`,
    );
  } finally {
    await rm(directory, { recursive: true, force: true });
    // A failed cleanup must not hide the run's own error; the keys expire with their TTLs anyway.
    await deleteRunKeys(prefix).catch((error: unknown) => console.error(`could not delete the run's cache keys: ${String(error)}`));
    await closeDb();
    await closeRedis();
  }
}

await main();
