import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../../lib/auth/index.js';
import { closeDb, type Sql } from '../../../lib/db/index.js';
import { syntheticTrip } from '../../../lib/ingest/synthetic.js';
import { changeSubscriptions, registerConnection, resetGatewayClient, type PushMessage } from '../../../lib/push/index.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { handler } from '../../../functions/ingest/handler.js';
import { setEnv } from '../../helpers/config.js';
import { createTestDriver, testSql, type TestDriver } from '../../helpers/db.js';
import { countStatements } from '../../helpers/fixtures.js';
import { eventOf } from '../../helpers/ingest.js';
import { lambdaContext } from '../../helpers/lambda.js';
import { freePort } from '../../helpers/net.js';
import { deleteKeysWithPrefix, rawRedis, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

/**
 * What an ingested batch pushes about the trips it ended, against the real PostgreSQL and Redis and
 * a stand-in for the API Gateway Management API that keeps every post: the `trip.ended` figures
 * come from the batch's own trip upsert, so nothing is sent to PostgreSQL once the batch commits.
 */

const topic = `test.ingest-notify.${randomUUID().slice(0, 8)}`;
const prefix = uniquePrefix('ingest-notify');
const redis = rawRedis();
const ADMIN: Principal = { userId: 1, role: 'admin', driverId: null };
const posts: PushMessage[] = [];
let gateway: Server;
let restoreEnv: () => void;
let sql: Sql;
let driver: TestDriver;

beforeAll(async () => {
  gateway = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      posts.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as PushMessage);
      response.writeHead(200).end();
    });
  });
  const port = await freePort();
  gateway.listen(port, '127.0.0.1');
  await once(gateway, 'listening');
  restoreEnv = setEnv({ CACHE_PREFIX: prefix, REDIS_URL: TEST_REDIS_URL, PUSH_ENDPOINT: `http://127.0.0.1:${port}` });
  resetGatewayClient();
  sql = testSql();
  driver = await createTestDriver(sql);
});

afterAll(async () => {
  await driver?.remove();
  await sql?.end();
  await closeDb();
  gateway?.closeAllConnections();
  gateway?.close();
  resetGatewayClient();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  await closeRedis();
  restoreEnv?.();
});

describe('notifying an ingested batch', () => {
  it('pushes trip.ended with the stored trip’s figures and sends no statement after the commit', async () => {
    const { trip, events } = syntheticTrip({ driverId: driver.driverId, vehicleId: driver.vehicleId, startMs: Date.now() - 86_400_000, seed: 7 });
    await registerConnection('ok-trip', ADMIN);
    await changeSubscriptions('ok-trip', { add: [`trip:${trip.id}`], current: [] });

    const { result, statements } = await countStatements(() => handler(eventOf(events, topic) as never, lambdaContext(randomUUID())));

    expect(result).toEqual({ batchItemFailures: [] });
    const commit = statements.findIndex((s) => /^\s*commit\b/i.test(s));
    expect(commit, statements.join('\n---\n')).toBeGreaterThan(0);
    expect(statements.slice(commit + 1)).toEqual([]);
    const [stored] = await sql<{ started_at: string; ended_at: string; distance_km: number }[]>`
      SELECT to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS started_at,
             to_char(ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ended_at, distance_km
      FROM trips WHERE id = ${trip.id}::uuid`;
    expect(posts.filter((p) => p.type === 'trip.ended').map((p) => p.data)).toEqual([
      { tripId: trip.id, driverId: driver.driverId, startedAt: stored?.started_at, endedAt: stored?.ended_at, distanceKm: stored?.distance_km },
    ]);
  });
});
