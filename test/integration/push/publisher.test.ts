import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../../lib/auth/index.js';
import { getConfig } from '../../../lib/config/index.js';
import { changeSubscriptions, findConnection, publish, publishMany, registerConnection, resetGatewayClient, subscribersOf } from '../../../lib/push/index.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { setEnv, withEnv } from '../../helpers/config.js';
import { freePort } from '../../helpers/net.js';
import { connectionKeys } from '../../helpers/push.js';
import { deleteKeysWithPrefix, rawRedis, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

/**
 * The publisher against the real Redis and a stand-in for the API Gateway Management API (an HTTP
 * server answering PostToConnection as API Gateway does: 200, or 410 Gone for a connection that
 * is no more), which can also be slow, as a connection on a bad network makes API Gateway be.
 * serverless-offline's real Management API is covered by test/e2e/push.
 *
 * Connection ids tell the stand-in what to do: `ok-*` answer at once, `gone-*` 410, `slow-*` never.
 */

const prefix = uniquePrefix('push-publisher');
const redis = rawRedis();
const ADMIN: Principal = { userId: 1, role: 'admin', driverId: null };
const POST_TIMEOUT_MS = 60;
const DEADLINE_MS = 300;
const CONCURRENCY = 4;

let server: Server;
const received: Array<{ connectionId: string; body: unknown }> = [];
let restoreEnv: () => void;

async function body(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function subscribe(connectionId: string, topics: string[]): Promise<void> {
  await registerConnection(connectionId, ADMIN);
  await changeSubscriptions(connectionId, { add: topics, current: [] });
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const connectionId = decodeURIComponent(/^\/@connections\/([^/?]+)/.exec(request.url ?? '')?.[1] ?? '');
    if (connectionId.startsWith('slow-')) return; // never answers
    void body(request).then((text) => {
      if (connectionId.startsWith('gone-')) {
        response.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' }).end('{"message":"Gone"}');
        return;
      }
      received.push({ connectionId, body: JSON.parse(text) });
      response.writeHead(200).end();
    });
  });
  const port = await freePort();
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  restoreEnv = setEnv({
    CACHE_PREFIX: prefix,
    REDIS_URL: TEST_REDIS_URL,
    PUSH_ENDPOINT: `http://127.0.0.1:${port}`,
    PUSH_POST_TIMEOUT_MS: String(POST_TIMEOUT_MS),
    PUSH_PUBLISH_DEADLINE_MS: String(DEADLINE_MS),
    PUSH_CONCURRENCY: String(CONCURRENCY),
  });
  resetGatewayClient();
  // A warm instance: the first post loads and resolves what it needs once (the credentials, the
  // signing key, a socket), which the post timeout below is not meant to cover.
  await subscribe('ok-warm-up', ['warm-up']);
  await publish('warm-up', 'metrics.gauges', {});
});

beforeEach(async () => {
  received.length = 0;
  await deleteKeysWithPrefix(redis, prefix);
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  resetGatewayClient();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await closeRedis();
  restoreEnv();
});

describe('publish', () => {
  it('posts {topic, type, at, data} to every connection subscribed to the topic, and to no other', async () => {
    await subscribe('ok-1', ['fleet']);
    await subscribe('ok-2', ['fleet', 'driver:7']);
    await subscribe('ok-3', ['driver:7']);

    const report = await publish('fleet', 'fleet.counters', { events: 3, eventsPerSecond: 3, tripsStarted: 1, tripsEnded: 0, deadLettered: 0 });

    expect(report).toMatchObject({ messages: 1, deliveries: 2, delivered: 2, gone: 0, timedOut: 0, failed: 0, skipped: 0, error: false });
    expect(received.map((r) => r.connectionId).sort()).toEqual(['ok-1', 'ok-2']);
    for (const { body: message } of received) {
      expect(message).toEqual({ topic: 'fleet', type: 'fleet.counters', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) as string, data: { events: 3, eventsPerSecond: 3, tripsStarted: 1, tripsEnded: 0, deadLettered: 0 } });
    }
  });

  it('posts each message of a batch to its own topic’s subscribers', async () => {
    await subscribe('ok-a', ['driver:7']);
    await subscribe('ok-b', ['trip:3f0c6a9e-1b2d-4c5e-8f90-a1b2c3d4e5f6']);

    const report = await publishMany([
      { topic: 'driver:7', type: 'risk.changed', data: { driverId: 7, score: 40, band: 'medium', previousScore: 39, run: 'r' } },
      { topic: 'driver:8', type: 'risk.changed', data: { driverId: 8, score: 40, band: 'medium', previousScore: null, run: 'r' } },
      { topic: 'trip:3f0c6a9e-1b2d-4c5e-8f90-a1b2c3d4e5f6', type: 'trip.started', data: { tripId: '3f0c6a9e-1b2d-4c5e-8f90-a1b2c3d4e5f6', driverId: 7, startedAt: 'x' } },
    ]);

    expect(report).toMatchObject({ messages: 3, deliveries: 2, delivered: 2 });
    expect(received.map((r) => [r.connectionId, (r.body as { type: string }).type]).sort()).toEqual([['ok-a', 'risk.changed'], ['ok-b', 'trip.started']]);
  });

  it('forgets a connection that answers 410 Gone: its entry, its topics and its place in every topic', async () => {
    await subscribe('gone-1', ['fleet', 'driver:7']);
    await subscribe('ok-1', ['fleet']);

    const report = await publish('fleet', 'metrics.gauges', {});

    expect(report).toMatchObject({ deliveries: 2, delivered: 1, gone: 1 });
    expect(await findConnection('gone-1')).toBeUndefined();
    expect(await redis.exists(...connectionKeys('gone-1'))).toBe(0);
    expect(await subscribersOf(['fleet', 'driver:7'])).toEqual(new Map([['fleet', ['ok-1']]]));
  });

  it('never lets slow connections hold the caller past the deadline: each post gives up after the post timeout', async () => {
    const slow = Array.from({ length: 3 * CONCURRENCY }, (_, i) => `slow-${i}`);
    for (const id of slow) await subscribe(id, ['fleet']);
    await subscribe('ok-1', ['fleet']);

    const report = await publish('fleet', 'metrics.gauges', {});
    const { push } = getConfig();

    expect(push).toMatchObject({ postTimeoutMs: POST_TIMEOUT_MS, publishDeadlineMs: DEADLINE_MS });
    expect(report.timedOut).toBeGreaterThan(0);
    expect(report.delivered + report.timedOut + report.skipped).toBe(slow.length + 1);
    // Bounded by configuration: the deadline, plus the one post timeout a post started just before it may run.
    expect(report.durationMs).toBeLessThan(push.publishDeadlineMs + push.postTimeoutMs);
    // Slow is not gone: those connections are kept.
    expect((await subscribersOf(['fleet'])).get('fleet')).toHaveLength(slow.length + 1);
  });

  it('skips what the deadline leaves no time for, and says how many', async () => {
    const slow = Array.from({ length: 40 }, (_, i) => `slow-${i}`);
    for (const id of slow) await subscribe(id, ['fleet']);

    const report = await publish('fleet', 'metrics.gauges', {});

    // 40 posts, CONCURRENCY at a time, each giving up after POST_TIMEOUT_MS: more than the deadline allows.
    expect(40 / CONCURRENCY * POST_TIMEOUT_MS).toBeGreaterThan(DEADLINE_MS);
    expect(report.skipped).toBeGreaterThan(0);
    expect(report.timedOut + report.skipped).toBe(40);
  });

  it('does not throw when Redis is unreachable: the message is dropped and counted', async () => {
    await closeRedis();
    const report = await withEnv({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, REDIS_CONNECT_TIMEOUT_MS: '100' }, async () => {
      try {
        return await publish('fleet', 'metrics.gauges', {});
      } finally {
        await closeRedis();
      }
    });

    expect(report).toMatchObject({ error: true, delivered: 0 });
  });

  it('does nothing, and asks no connection, for a topic nobody follows', async () => {
    const report = await publish('driver:999', 'risk.changed', { driverId: 999, score: 1, band: 'low', previousScore: null, run: 'r' });
    expect(report).toMatchObject({ messages: 1, deliveries: 0, error: false });
    expect(received).toEqual([]);
  });
});
