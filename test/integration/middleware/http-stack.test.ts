import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { handler as authFunction } from '../../../functions/auth/handler.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertCanReadDriver, hashPassword, issueToken, userGroup, verifyToken } from '../../../lib/auth/index.js';
import { invalidateGroups } from '../../../lib/cache/index.js';
import { getConfig } from '../../../lib/config/index.js';
import { closeDb, createSqlClient, dbClientOptions, getDb, timedQuery } from '../../../lib/db/index.js';
import { NotFoundError } from '../../../lib/errors/index.js';
import { renderPrometheus, resetMetrics } from '../../../lib/metrics/index.js';
import { httpHandler } from '../../../lib/middleware/index.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { idParam } from '../../../lib/validation/index.js';
import { setEnv, withEnv } from '../../helpers/config.js';
import { bodyOf, httpEvent, lambdaContext } from '../../helpers/lambda.js';
import { TEST_REDIS_URL, deleteKeysWithPrefix, rawRedis, uniquePrefix } from '../../helpers/redis.js';

/**
 * The HTTP stack end to end on the real database: the real login function and a driver route
 * built the way function handlers build them, called with API Gateway v2 events.
 */

const suffix = randomBytes(4).toString('hex');
const username = `stack-it-${suffix}`;
const inactiveUsername = `stack-it-gone-${suffix}`;
const PASSWORD = 'a long enough password';
let driverId: number;
let otherDriverId: number;
let userId: number;
let inactiveUserId: number;
let adminUserId: number;
/** Login throttling and the account cache keep their keys under a prefix of this file's own. */
const cachePrefix = uniquePrefix('http-stack');
let restoreEnv = (): void => {};

/** The auth function's own handler, as API Gateway invokes it. */
const login = authFunction;

const getDriver = httpHandler(
  { route: 'GET /api/v1/drivers/{driverId}', auth: 'driver', schemas: { path: z.object({ driverId: idParam() }) } },
  async ({ path, principal }) => {
    assertCanReadDriver(principal, path.driverId);
    const [driver] = await timedQuery('drivers.get', (sql) => sql<Array<{ id: number; name: string }>>`SELECT id, name FROM drivers WHERE id = ${path.driverId}`);
    if (!driver) throw new NotFoundError(`Driver ${path.driverId} does not exist`);
    return driver;
  },
);

function loginEvent(user: string, password: string) {
  return loginEventWithBody({ username: user, password });
}

function loginEventWithBody(body: unknown) {
  return httpEvent({ method: 'POST', path: '/api/v1/auth/login', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function driverEvent(id: number, token?: string) {
  return httpEvent({ path: `/api/v1/drivers/${id}`, pathParameters: { driverId: String(id) }, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

async function tokenFor(user: string): Promise<string> {
  return bodyOf<{ access_token: string }>(await login(loginEvent(user, PASSWORD), lambdaContext())).access_token;
}

beforeAll(async () => {
  restoreEnv = setEnv({ CACHE_PREFIX: cachePrefix, REDIS_URL: TEST_REDIS_URL });
  const sql = getDb();
  const ids = await sql<Array<{ id: number }>>`
    INSERT INTO drivers (license_number, name, email, date_of_birth, licensed_since)
    VALUES (${`STACK-${suffix}-A`.toUpperCase()}, 'Stack Test A', ${`stack-${suffix}-a@example.com`}, '1985-05-05', '2005-05-05'),
           (${`STACK-${suffix}-B`.toUpperCase()}, 'Stack Test B', ${`stack-${suffix}-b@example.com`}, '1985-05-05', '2005-05-05')
    RETURNING id
  `;
  [driverId, otherDriverId] = ids.map((row) => row.id) as [number, number];
  const [user] = await sql<Array<{ id: number }>>`
    INSERT INTO users (username, password_hash, role, driver_id) VALUES (${username}, ${await hashPassword(PASSWORD)}, 'driver', ${driverId}) RETURNING id
  `;
  userId = user!.id;
  const [inactive] = await sql<Array<{ id: number }>>`
    INSERT INTO users (username, password_hash, role, driver_id, active)
    VALUES (${inactiveUsername}, ${await hashPassword(PASSWORD)}, 'driver', ${otherDriverId}, false)
    RETURNING id
  `;
  inactiveUserId = inactive!.id;
  const [admin] = await sql<Array<{ id: number }>>`
    INSERT INTO users (username, password_hash, role) VALUES (${`stack-it-admin-${suffix}`}, ${await hashPassword(PASSWORD)}, 'admin') RETURNING id
  `;
  adminUserId = admin!.id;
});

afterAll(async () => {
  const sql = getDb();
  await sql`DELETE FROM users WHERE id = ANY(${[userId, inactiveUserId, adminUserId]})`;
  await sql`DELETE FROM drivers WHERE id = ANY(${[driverId, otherDriverId]})`;
  await closeDb();
  await closeRedis();
  const redis = rawRedis();
  await deleteKeysWithPrefix(redis, cachePrefix);
  redis.disconnect();
  restoreEnv();
});

beforeEach(() => {
  resetMetrics();
});

describe('HTTP stack on the real database', () => {
  it('logs a driver in and lets it read its own record', async () => {
    const loginResult = await login(loginEvent(username, PASSWORD), lambdaContext());
    expect(loginResult.statusCode).toBe(200);
    expect(loginResult.headers?.['cache-control']).toBe('no-store');
    expect(bodyOf(loginResult)).toMatchObject({ token_type: 'Bearer', expires_in: 3600, role: 'driver', driver_id: driverId });
    await expect(verifyToken(bodyOf<{ access_token: string }>(loginResult).access_token)).resolves.toEqual({ userId, role: 'driver', driverId });

    const result = await getDriver(driverEvent(driverId, await tokenFor(username)), lambdaContext());

    expect(result.statusCode).toBe(200);
    expect(bodyOf(result)).toEqual({ id: driverId, name: 'Stack Test A' });
  });

  it("answers 403 when the driver asks for another driver's record", async () => {
    const result = await getDriver(driverEvent(otherDriverId, await tokenFor(username)), lambdaContext());

    expect(result.statusCode).toBe(403);
  });

  it('answers 401 to a wrong password with the same message as to an unknown user', async () => {
    const wrong = await login(loginEvent(username, 'not the password'), lambdaContext());
    const unknown = await login(loginEvent(`nobody-${suffix}`, PASSWORD), lambdaContext());

    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(bodyOf<{ error: { message: string } }>(wrong).error.message).toBe(bodyOf<{ error: { message: string } }>(unknown).error.message);
  });

  it('answers 401 to the right password of a deactivated account', async () => {
    const result = await login(loginEvent(inactiveUsername, PASSWORD), lambdaContext());

    expect(result.statusCode).toBe(401);
    expect(bodyOf<{ error: { message: string } }>(result).error.message).toBe('Invalid username or password');
  });

  it('answers 400 naming each missing or malformed login field', async () => {
    const missing = await login(loginEventWithBody({ username: '  ' }), lambdaContext());
    const wrongTypes = await login(loginEventWithBody({ username: 42, password: 'x'.repeat(300) }), lambdaContext());

    expect([missing.statusCode, wrongTypes.statusCode]).toEqual([400, 400]);
    expect(bodyOf<{ error: { fields: unknown } }>(missing).error.fields).toEqual([
      { field: 'body.username', message: 'must have at least 1 character' },
      { field: 'body.password', message: 'is required' },
    ]);
    expect(bodyOf<{ error: { fields: unknown } }>(wrongTypes).error.fields).toEqual([
      { field: 'body.username', message: 'must be a string' },
      { field: 'body.password', message: 'must have at most 256 characters' },
    ]);
  });

  it('answers 404 for a driver id nobody has', async () => {
    const admin = await issueToken({ userId: adminUserId, role: 'admin', driverId: null });

    const result = await getDriver(driverEvent(2_000_000_000, admin.token), lambdaContext());

    expect(result.statusCode).toBe(404);
  });

  it('records query durations by query name next to request durations (the stack instruments itself)', async () => {
    await login(loginEvent(username, PASSWORD), lambdaContext());

    const text = (await renderPrometheus());

    expect(text).toMatch(/^db_query_duration_seconds_count\{query="users\.find_by_username",outcome="ok"\} 1$/m);
    expect(text).toMatch(/^http_request_duration_seconds_count\{route="POST \/api\/v1\/auth\/login",status="200"\} 1$/m);
  });

  it('answers 503 with Retry-After, and no connection details, when the database is unreachable', async () => {
    const unreachable = createSqlClient(dbClientOptions({ url: 'postgres://telematics:telematics@127.0.0.1:1/telematics_test', connectTimeoutS: 1 }));
    const handler = httpHandler({ route: 'GET /api/v1/unreachable', auth: 'public' }, async () => unreachable.sql`SELECT 1`);

    const result = await handler(httpEvent(), lambdaContext());
    await unreachable.sql.end({ timeout: 1 });

    expect(result.statusCode).toBe(503);
    expect(result.headers?.['retry-after']).toBe('1');
    expect(result.body).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|telematics/);
  });
});

describe('tokens of deactivated accounts', () => {
  const read = async (token: string) => {
    const result = await getDriver(driverEvent(driverId, token), lambdaContext());
    return { status: result.statusCode, message: bodyOf<{ error?: { message: string } }>(result).error?.message };
  };
  const setActive = async (table: 'users' | 'drivers', id: number, active: boolean) => {
    await getDb()`UPDATE ${getDb()(table)} SET active = ${active} WHERE id = ${id}`;
  };

  it('refuses (401) the token of a user deactivated after it was issued from the next request on, and accepts it again once reactivated', async () => {
    const token = await tokenFor(username);
    expect((await read(token)).status).toBe(200);

    await setActive('users', userId, false);
    await invalidateGroups(userGroup(userId));
    const refused = await read(token);
    await setActive('users', userId, true);
    await invalidateGroups(userGroup(userId));

    expect(refused).toEqual({ status: 401, message: 'The access token belongs to an account that is no longer active' });
    expect((await read(token)).status).toBe(200);
  });

  it("refuses the token of a driver login whose driver was deactivated", async () => {
    const token = await tokenFor(username);

    await setActive('drivers', driverId, false);
    await invalidateGroups(userGroup(userId));
    const refused = await read(token);
    await setActive('drivers', driverId, true);
    await invalidateGroups(userGroup(userId));

    expect(refused.status).toBe(401);
  });

  it('refuses the signed token of a user that does not exist', async () => {
    const { token } = await issueToken({ userId: 2_000_000_000, role: 'admin', driverId: null });

    expect((await read(token)).status).toBe(401);
  });

  it('notices a deactivation nobody announced within AUTH_USER_CACHE_TTL_MS', async () => {
    await withEnv({ AUTH_USER_CACHE_TTL_MS: '1000' }, async () => {
      const token = await tokenFor(username);
      await invalidateGroups(userGroup(userId));
      expect((await read(token)).status).toBe(200);

      await setActive('users', userId, false);
      try {
        await sleep(getConfig().auth.userCacheTtlMs);
        expect((await read(token)).status).toBe(401);
      } finally {
        await setActive('users', userId, true);
        await invalidateGroups(userGroup(userId));
      }
    });
  });
});
