import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, login } from '../../../lib/auth/index.js';
import { getLoginThrottle } from '../../../lib/auth/throttle.js';
import { getConfig } from '../../../lib/config/index.js';
import { closeDb, getDb } from '../../../lib/db/index.js';
import { TooManyRequestsError, UnauthorizedError } from '../../../lib/errors/index.js';
import { closeRedis, pingRedis } from '../../../lib/redis/index.js';
import { setEnv } from '../../helpers/config.js';
import { PrivateRedisServer, rawRedis, uniquePrefix } from '../../helpers/redis.js';

// This file stops Redis, so it runs its own redis-server; the shared one is never touched.
let server: PrivateRedisServer;
let restoreEnv = (): void => {};
const suffix = randomBytes(4).toString('hex');
const PASSWORD = 'correct horse battery staple';
const MAX_PER_USERNAME = 3;
const userIds: number[] = [];

async function createUser(label: string): Promise<string> {
  const username = `throttle-outage-${suffix}-${label}`;
  const [row] = await getDb()<{ id: number }[]>`
    INSERT INTO users (username, password_hash, role, driver_id, active)
    VALUES (${username}, ${await hashPassword(PASSWORD)}, 'admin', NULL, true) RETURNING id`;
  userIds.push(row!.id);
  return username;
}

const outcome = (username: string, password: string) =>
  login(username, password, '203.0.113.7').then(
    () => 'ok',
    (error: unknown) => (error instanceof TooManyRequestsError ? 429 : error instanceof UnauthorizedError ? 401 : error),
  );

beforeAll(async () => {
  server = await PrivateRedisServer.start();
  restoreEnv = setEnv({
    REDIS_URL: server.url,
    CACHE_PREFIX: uniquePrefix('login-throttle-outage'),
    CACHE_BREAKER_THRESHOLD: '2',
    CACHE_BREAKER_COOLDOWN_MS: '200',
    REDIS_COMMAND_TIMEOUT_MS: '100',
    LOGIN_THROTTLE_MAX_PER_USERNAME: String(MAX_PER_USERNAME),
  });
});

afterAll(async () => {
  await getDb()`DELETE FROM users WHERE id = ANY(${userIds})`;
  await closeDb();
  await closeRedis();
  await server.kill();
  restoreEnv();
});

describe('login throttling while Redis is down', () => {
  it('keeps logins working and throttled per instance, then counts in Redis again once it is back', async () => {
    const username = await createUser('a');
    expect(await outcome(username, PASSWORD)).toBe('ok');
    expect(getLoginThrottle().store).toBe('redis');

    await server.kill();
    const during = [];
    for (let i = 0; i <= MAX_PER_USERNAME; i++) during.push(await outcome(username, 'wrong password'));

    // The failures are still counted (in this instance's memory) and the limit still holds.
    expect(during).toEqual([...Array<number>(MAX_PER_USERNAME).fill(401), 429]);
    expect(getLoginThrottle().store).toBe('memory');
    // A right password still logs in for a username that has not used up its attempts.
    expect(await outcome(await createUser('b'), PASSWORD)).toBe('ok');

    await server.start();
    for (let attempt = 0; attempt < 100; attempt++) {
      if (await pingRedis().then(() => true, () => false)) break;
      await sleep(50);
    }
    await sleep(getConfig().cache.breakerCooldownMs);
    const later = await createUser('c');
    expect(await outcome(later, 'wrong password')).toBe(401);

    expect(getLoginThrottle().store).toBe('redis');
    const redis = rawRedis(server.url);
    try {
      const keys = await redis.keys(`${getConfig().cache.prefix}:login-throttle:*`);
      // The username and the source of the failure just counted: the restarted server started empty.
      expect(keys).toHaveLength(2);
    } finally {
      redis.disconnect();
    }
  });
});
