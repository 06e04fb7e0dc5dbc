import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/auth/handler.js';
import { hashPassword } from '../../../lib/auth/index.js';
import { LoginThrottle } from '../../../lib/auth/throttle.js';
import { getConfig } from '../../../lib/config/index.js';
import { closeDb, getDb } from '../../../lib/db/index.js';
import { TooManyRequestsError } from '../../../lib/errors/index.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { setEnv, withEnv } from '../../helpers/config.js';
import { bodyOf, jsonEvent, lambdaContext } from '../../helpers/lambda.js';
import { TEST_REDIS_URL, deleteKeysWithPrefix, rawRedis, uniquePrefix } from '../../helpers/redis.js';

/** Login throttling through the login function, with its counters in the real Redis and users in the real database. */

const prefix = uniquePrefix('login-throttle');
const redis = rawRedis();
const suffix = randomBytes(4).toString('hex');
const PASSWORD = 'correct horse battery staple';
const MAX_PER_USERNAME = 3;
const MAX_PER_SOURCE = 6;
const userIds: number[] = [];
let restoreEnv = (): void => {};
let sources = 0;

/** A source address no other test uses, so only the counter a test is about can fill up. */
const freshSource = (): string => `198.51.100.${++sources}`;
let usernames = 0;
const freshUsername = (): string => `throttle-${suffix}-${++usernames}`;

async function createUser(): Promise<string> {
  const username = freshUsername();
  const [row] = await getDb()<{ id: number }[]>`
    INSERT INTO users (username, password_hash, role, driver_id, active)
    VALUES (${username}, ${await hashPassword(PASSWORD)}, 'admin', NULL, true) RETURNING id`;
  userIds.push(row!.id);
  return username;
}

async function attempt(username: string, password: string, sourceIp: string) {
  const result = await handler(jsonEvent({ username, password }, { path: '/api/v1/auth/login', routeKey: 'POST /api/v1/auth/login', sourceIp }), lambdaContext());
  const body = bodyOf<{ error?: { code: string; message: string } }>(result);
  return { status: result.statusCode, retryAfter: result.headers?.['retry-after'], error: body.error && { code: body.error.code, message: body.error.message } };
}

beforeAll(() => {
  restoreEnv = setEnv({
    CACHE_PREFIX: prefix,
    REDIS_URL: TEST_REDIS_URL,
    LOGIN_THROTTLE_WINDOW_S: '60',
    LOGIN_THROTTLE_MAX_PER_USERNAME: String(MAX_PER_USERNAME),
    LOGIN_THROTTLE_MAX_PER_SOURCE: String(MAX_PER_SOURCE),
  });
});

afterAll(async () => {
  await getDb()`DELETE FROM users WHERE id = ANY(${userIds})`;
  await closeDb();
  await closeRedis();
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
  restoreEnv();
});

describe('login throttling', () => {
  it('answers 429 with Retry-After once a username has used up its failed logins, even with the right password', async () => {
    const username = await createUser();

    for (let i = 0; i < MAX_PER_USERNAME; i++) expect((await attempt(username, 'wrong password', freshSource())).status).toBe(401);
    const throttled = await attempt(username, PASSWORD, freshSource());

    expect(throttled.status).toBe(429);
    expect(throttled.error?.code).toBe('too_many_requests');
    const retryAfter = Number(throttled.retryAfter);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(getConfig().auth.loginThrottle.windowS);
  });

  it('answers an unknown username exactly as an existing one: the same 401s, then the same 429', async () => {
    const existing = await createUser();
    const unknown = freshUsername();

    const answers = async (username: string) => {
      const seen = [];
      for (let i = 0; i <= MAX_PER_USERNAME; i++) seen.push(await attempt(username, 'wrong password', freshSource()));
      return seen;
    };
    const [forExisting, forUnknown] = [await answers(existing), await answers(unknown)];

    const shape = (a: Awaited<ReturnType<typeof attempt>>) => ({ status: a.status, error: a.error, hasRetryAfter: a.retryAfter !== undefined });
    expect(forUnknown.map(shape)).toEqual(forExisting.map(shape));
    expect(forUnknown.map((a) => a.status)).toEqual([...Array<number>(MAX_PER_USERNAME).fill(401), 429]);
    // Retry-After counts down from each username's first failure, so only its range can be the same.
    for (const last of [forExisting.at(-1), forUnknown.at(-1)]) {
      expect(Number(last?.retryAfter)).toBeGreaterThan(0);
      expect(Number(last?.retryAfter)).toBeLessThanOrEqual(getConfig().auth.loginThrottle.windowS);
    }
  });

  it('answers 429 to a source that has used up its failed logins, whatever username it tries next', async () => {
    const source = freshSource();
    const username = await createUser();

    for (let i = 0; i < MAX_PER_SOURCE; i++) expect((await attempt(freshUsername(), 'wrong password', source)).status).toBe(401);

    expect((await attempt(username, PASSWORD, source)).status).toBe(429);
    expect((await attempt(username, PASSWORD, freshSource())).status).toBe(200);
  });

  it("clears a username's failures when it logs in, and gives a source back only the successful attempt", async () => {
    const username = await createUser();
    const source = freshSource();
    for (let i = 0; i < MAX_PER_USERNAME - 1; i++) expect((await attempt(username, 'wrong password', source)).status).toBe(401);

    expect((await attempt(username, PASSWORD, source)).status).toBe(200);

    // The username starts again from zero...
    for (let i = 0; i < MAX_PER_USERNAME; i++) expect((await attempt(username, 'wrong password', freshSource())).status).toBe(401);
    expect((await attempt(username, 'wrong password', freshSource())).status).toBe(429);
    // ...while the source keeps its earlier failures: MAX_PER_SOURCE - (MAX_PER_USERNAME - 1) more are allowed.
    const allowed = MAX_PER_SOURCE - (MAX_PER_USERNAME - 1);
    const statuses = [];
    for (let i = 0; i <= allowed; i++) statuses.push((await attempt(freshUsername(), 'wrong password', source)).status);
    expect(statuses).toEqual([...Array<number>(allowed).fill(401), 429]);
  });

  it('verifies at most the limit of passwords when many attempts for one username arrive at once', async () => {
    const username = await createUser();

    const statuses = await Promise.all(Array.from({ length: 12 }, () => attempt(username, 'wrong password', freshSource()).then((a) => a.status)));

    expect(statuses.filter((s) => s === 401)).toHaveLength(MAX_PER_USERNAME);
    expect(statuses.filter((s) => s === 429)).toHaveLength(12 - MAX_PER_USERNAME);
  });

  it('counts fleet-wide: another instance sees the failures this one counted', async () => {
    const username = await createUser();
    for (let i = 0; i < MAX_PER_USERNAME; i++) await attempt(username, 'wrong password', freshSource());

    // A second throttle has its own breaker and memory, like another function instance: only Redis is shared.
    const otherInstance = new LoginThrottle();

    await expect(otherInstance.begin(username, freshSource())).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(otherInstance.store).toBe('redis');
  });

  it('lets the username try again once Retry-After has passed', async () => {
    await withEnv({ LOGIN_THROTTLE_WINDOW_S: '2' }, async () => {
      const username = await createUser();
      // Failures counted straight through the throttle (no password hashing), so the short window
      // is still open when the login below asks.
      const throttle = new LoginThrottle();
      for (let i = 0; i < MAX_PER_USERNAME; i++) await throttle.begin(username, undefined);
      const throttled = await attempt(username, PASSWORD, freshSource());
      expect(throttled.status).toBe(429);
      expect(Number(throttled.retryAfter)).toBeGreaterThan(0);
      expect(Number(throttled.retryAfter)).toBeLessThanOrEqual(getConfig().auth.loginThrottle.windowS);

      await sleep(Number(throttled.retryAfter) * 1000);

      expect((await attempt(username, PASSWORD, freshSource())).status).toBe(200);
    });
  });
});
