/**
 * npm run bench:push [-- --connections 500 --rounds 30 --quick]
 *
 * Fan-out latency of lib/push through serverless-offline's WebSocket API and Management API: from
 * the `publish` call to each subscriber's receipt of the message, over N connections subscribed to
 * one topic (N = 500). Subscribers live in a worker thread (their own event loop); offline runs
 * as `npm run dev` does (stage test: no schedules) on free ports; this process publishes as a
 * function instance would, warm. Baseline, in the same run: the same publish to one connection.
 *
 * Also prints where a fan-out's time goes: the subscriber lookup in Redis, and the posts.
 * Final line: `push connections=N p95_ms=N p99_ms=N` (target: p99 under 50 ms for 500).
 *
 * Uses the test database (TEST_DATABASE_URL, else telematics_test) for one admin login of its own,
 * removed at the end, and a Redis key prefix of its own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { issueToken } from '../../lib/auth/index.js';
import { getConfig, resetConfig } from '../../lib/config/index.js';
import { closeDb, getDb } from '../../lib/db/index.js';
import { migrate } from '../../lib/db/migrate.js';
import { publish, resetGatewayClient, subscribersOf, type PublishReport } from '../../lib/push/index.js';
import { closeRedis, ensureRedisConnected } from '../../lib/redis/index.js';
import { startOffline } from '../../test/e2e/offline-server.js';
import { testDatabaseUrl } from '../../test/helpers/env.js';
import type { FromClients } from './push-clients.js';
import { formatSummary, summarize, type Summary } from './stats.js';

const { values: flags } = parseArgs({
  options: {
    connections: { type: 'string', default: '500' },
    rounds: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
const CONNECTIONS = Number(flags.connections);
const ROUNDS = Number(flags.rounds ?? (flags.quick ? 10 : 40));
const WARMUP_ROUNDS = 5;
/** Connections opened (and subscribed) at once: each is a function invocation in offline. */
const OPEN_PARALLEL = 10;

const prefix = `tele-bench-push-${randomBytes(3).toString('hex')}`;
process.env.DATABASE_URL = testDatabaseUrl();
process.env.STAGE = 'test';
process.env.CACHE_PREFIX = prefix;
process.env.LOG_LEVEL ??= 'ERROR';
resetConfig();

const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
const now = () => performance.timeOrigin + performance.now();

interface Clients {
  worker: Worker;
  /** Resolves with each connection's receipt time (epoch ms) once all have the message `seq`. */
  receipts(seq: number, count: number): Promise<number[]>;
  close(): Promise<void>;
}

async function startClients(url: string, topics: string[]): Promise<Clients> {
  const worker = new Worker(new URL('./push-clients.ts', import.meta.url), { workerData: { url, topics, parallel: OPEN_PARALLEL } });
  const waiting = new Map<number, { at: number[]; count: number; done: (at: number[]) => void }>();
  const early = new Map<number, number[]>();
  await new Promise<void>((resolve, reject) => {
    worker.on('error', reject);
    worker.on('message', (message: FromClients) => {
      if (message.kind === 'ready') resolve();
      else if (message.kind === 'error') reject(new Error(message.message));
      else {
        const entry = waiting.get(message.seq);
        if (!entry) {
          early.set(message.seq, [...(early.get(message.seq) ?? []), message.at]);
          return;
        }
        entry.at.push(message.at);
        if (entry.at.length === entry.count) {
          waiting.delete(message.seq);
          entry.done(entry.at);
        }
      }
    });
  });
  return {
    worker,
    receipts: (seq, count) =>
      new Promise((done, reject) => {
        const at = early.get(seq) ?? [];
        early.delete(seq);
        if (at.length >= count) return done(at);
        waiting.set(seq, { at, count, done });
        setTimeout(() => {
          if (waiting.delete(seq)) reject(new Error(`message ${seq}: ${at.length} of ${count} connections got it within 10 s`));
        }, 10_000).unref();
      }),
    close: async () => {
      worker.postMessage('close');
      await worker.terminate();
    },
  };
}

interface Run {
  latency: Summary;
  publish: Summary;
  reports: PublishReport[];
}

/** `rounds` publishes to `topic`, one after the other, each waited for at every subscriber. */
async function measure(clients: Clients, topic: string, rounds: number, firstSeq: number): Promise<Run> {
  const latencies: number[] = [];
  const publishMs: number[] = [];
  const reports: PublishReport[] = [];
  for (let round = 0; round < rounds; round++) {
    const seq = firstSeq + round;
    const started = now();
    const report = await publish(topic, 'metrics.gauges', { seq });
    publishMs.push(now() - started);
    reports.push(report);
    // Every post API Gateway accepted is on its way: wait for those (a post that timed out may still arrive, uncounted).
    for (const at of await clients.receipts(seq, report.delivered)) latencies.push(at - started);
  }
  return { latency: summarize(latencies), publish: summarize(publishMs), reports };
}

/**
 * The floor offline itself sets: the same fan-out as bare HTTP POSTs to its Management API (no SDK,
 * no signature, which API Gateway would refuse), as many at once, over keep-alive sockets.
 */
async function measureBarePosts(clients: Clients, topic: string, endpoint: string, rounds: number, firstSeq: number): Promise<Summary> {
  const connections = (await subscribersOf([topic])).get(topic) ?? [];
  const { concurrency } = getConfig().push;
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const { hostname, port } = new URL(endpoint);
  const post = (connectionId: string, body: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const request = httpRequest({ host: hostname, port, path: `/@connections/${encodeURIComponent(connectionId)}`, method: 'POST', agent, headers: { 'content-length': body.length } }, (response) => {
        response.resume();
        response.on('end', () => (response.statusCode === 200 || response.statusCode === 204 ? resolve() : reject(new Error(`post answered ${response.statusCode}`))));
      });
      request.on('error', reject);
      request.end(body);
    });
  const latencies: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const seq = firstSeq + round;
    const started = now();
    const body = Buffer.from(JSON.stringify({ topic, type: 'metrics.gauges', at: new Date().toISOString(), data: { seq } }));
    let next = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < connections.length) await post(connections[next++] as string, body);
    }));
    for (const at of await clients.receipts(seq, connections.length)) latencies.push(at - started);
  }
  agent.destroy();
  return summarize(latencies);
}

/** Time of the subscriber lookup alone (one SMEMBERS of N members). */
async function lookupMs(topic: string): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    await subscribersOf([topic]);
    samples.push(performance.now() - started);
  }
  return summarize(samples);
}

async function main(): Promise<void> {
  const { push } = getConfig();
  console.log(`bench:push  ${CONNECTIONS} connections, ${ROUNDS} rounds (after ${WARMUP_ROUNDS} warm-up), load average ${load()}`);
  console.log(`  PUSH_CONCURRENCY=${push.concurrency} PUSH_POST_TIMEOUT_MS=${push.postTimeoutMs} PUSH_PUBLISH_DEADLINE_MS=${push.publishDeadlineMs}`);
  await migrate({ databaseUrl: process.env.DATABASE_URL as string });
  const sql = getDb();
  const [admin] = await sql<{ id: number }[]>`INSERT INTO users (username, password_hash, role) VALUES (${`bench-push-${randomUUID()}`}, 'unused', 'admin') RETURNING id`;
  if (!admin) throw new Error('could not create the bench login');
  const token = (await issueToken({ userId: admin.id, role: 'admin', driverId: null })).token;

  const started = performance.now();
  const offline = await startOffline({ stage: 'test', env: { CACHE_PREFIX: prefix, LOG_LEVEL: 'ERROR' }, readyTimeoutMs: 300_000 });
  console.log(`  offline started in ${((performance.now() - started) / 1000).toFixed(1)} s (${offline.websocketUrl})`);
  process.env.PUSH_ENDPOINT = offline.pushEndpoint;
  resetConfig();
  resetGatewayClient();

  const fanOutTopic = `trip:${randomUUID()}`;
  const baselineTopic = `trip:${randomUUID()}`;
  let clients: Clients | undefined;
  try {
    const opening = performance.now();
    clients = await startClients(`${offline.websocketUrl}/?token=${token}`, [baselineTopic, ...Array.from({ length: CONNECTIONS }, () => fanOutTopic)]);
    console.log(`  ${CONNECTIONS + 1} connections open and subscribed in ${((performance.now() - opening) / 1000).toFixed(1)} s, load average ${load()}`);

    await measure(clients, baselineTopic, WARMUP_ROUNDS, 0);
    const baseline = await measure(clients, baselineTopic, ROUNDS, 1_000);
    await measure(clients, fanOutTopic, WARMUP_ROUNDS, 2_000);
    const fanOut = await measure(clients, fanOutTopic, ROUNDS, 3_000);
    const lookup = await lookupMs(fanOutTopic);
    const bare = await measureBarePosts(clients, fanOutTopic, offline.pushEndpoint, Math.min(ROUNDS, 10), 4_000);

    const incomplete = fanOut.reports.filter((r) => r.delivered !== CONNECTIONS);
    const lost = fanOut.reports.reduce((sum, r) => sum + (CONNECTIONS - r.delivered), 0);
    console.log('');
    console.log(formatSummary('baseline 1 conn', baseline.latency, ' ms', 2, 18));
    console.log(formatSummary(`fan-out ${CONNECTIONS}`, fanOut.latency, ' ms', 2, 18));
    console.log('  where a fan-out goes:');
    console.log(formatSummary('    lookup (Redis)', lookup, ' ms', 2, 18));
    console.log(formatSummary('    publish() call', fanOut.publish, ' ms', 2, 18));
    console.log(formatSummary('    bare posts', bare, ' ms', 2, 18) + "   fan-out latency with bare HTTP posts: offline's own floor (no SDK, no signature)");
    console.log(`    per post: ${(fanOut.publish.p50 / CONNECTIONS).toFixed(3)} ms at p50 (${push.concurrency} at once); baseline publish p50 ${baseline.publish.p50.toFixed(2)} ms`);
    console.log(`  posts not delivered (timed out or skipped): ${lost} of ${CONNECTIONS * ROUNDS}, in ${incomplete.length} of ${ROUNDS} rounds${incomplete[0] ? ` (e.g. ${JSON.stringify(incomplete[0])})` : ''}`);
    console.log(`  load average after: ${load()}`);
    console.log(`push connections=${CONNECTIONS} p95_ms=${fanOut.latency.p95.toFixed(2)} p99_ms=${fanOut.latency.p99.toFixed(2)}`);
  } finally {
    await clients?.close();
    await offline.stop();
    resetGatewayClient();
    const redis = await ensureRedisConnected();
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }) as AsyncIterable<string[]>) if (keys.length > 0) await redis.unlink(...keys);
    await sql`DELETE FROM users WHERE id = ${admin.id}`;
    await closeDb();
    await closeRedis();
  }
}

await main();
