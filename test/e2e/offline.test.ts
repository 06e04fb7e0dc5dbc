import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, issueToken, verifyToken } from '../../lib/auth/index.js';
import type { HealthReport } from '../../lib/health/index.js';
import { createTestDriver, testSql, type TestDriver } from '../helpers/db.js';
import { insertPremium, insertRiskScore } from '../helpers/fixtures.js';
import { groupAlive, printOfflineOutputOnFailure, startOffline, type OfflineServer } from './offline-server.js';
import { HTTP_PROBES, INVOKE_PROBES, NOT_IMPLEMENTED_FUNCTIONS } from './service-functions.js';

/** The product's error shape: `{"error":{"code":"...","message":"..."}}` and nothing else. */
function expectErrorBody(text: string): void {
  const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
  expect(Object.keys(body), text).toEqual(['error']);
  expect(typeof body.error?.code, text).toBe('string');
  expect(typeof body.error?.message, text).toBe('string');
}

describe('serverless offline, stage test', () => {
  let offline: OfflineServer;
  printOfflineOutputOnFailure(() => offline);
  const sql = testSql();
  // Logins of this file's own: the test database need not hold the demo users. Tokens are checked
  // against the users table on every authenticated route, so they must name real, active users.
  const suffix = randomBytes(4).toString('hex');
  const admin = { username: `e2e-admin-${suffix}`, password: 'e2e admin password' };
  const users: { admin: number; driver: number; driverId: number } = { admin: 0, driver: 0, driverId: 0 };

  let probeDriver: TestDriver;
  let token: string | undefined;
  const loginToken = async (): Promise<string> => {
    token ??= (
      (await (
        await fetch(`${offline.httpUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(admin) })
      ).json()) as { access_token: string }
    ).access_token;
    return token;
  };

  beforeAll(async () => {
    // The handlers must reach the test database, never the developer's.
    expect(process.env.DATABASE_URL).toMatch(/\/telematics_test(_\w+)?(\?|$)/);
    const hash = await hashPassword(admin.password);
    const idOf = (rows: { id: number }[]) => rows[0]?.id ?? 0;
    users.admin = idOf(await sql`INSERT INTO users (username, password_hash, role) VALUES (${admin.username}, ${hash}, 'admin') RETURNING id`);
    users.driverId = idOf(await sql`
      INSERT INTO drivers (license_number, name, email, date_of_birth, licensed_since)
      VALUES (${`E2E-${suffix}`.toUpperCase()}, 'E2E Driver', ${`e2e-${suffix}@example.com`}, '1985-01-01', '2005-01-01') RETURNING id`);
    users.driver = idOf(await sql`
      INSERT INTO users (username, password_hash, role, driver_id) VALUES (${`e2e-driver-${suffix}`}, ${hash}, 'driver', ${users.driverId}) RETURNING id`);
    probeDriver = await createTestDriver(sql);
    const scoreId = await insertRiskScore(sql, probeDriver.driverId, 50, '2030-01-01T00:00:00Z');
    await insertPremium(sql, probeDriver.driverId, scoreId, '2030-01-01T00:00:00Z', { base: 100, risk: 1, usage: 1, final: 100 });
    offline = await startOffline({ stage: 'test' });
  }, 180_000);

  afterAll(async () => {
    await offline?.stop();
    await sql`DELETE FROM users WHERE id = ANY(${[users.admin, users.driver]})`;
    await sql`DELETE FROM drivers WHERE id = ${users.driverId}`;
    await probeDriver?.remove();
    await sql.end({ timeout: 5 });
  });

  it('GET /health answers 200 with the database, Redis and Kafka up and their latencies', async () => {
    const response = await fetch(`${offline.httpUrl}/health`);
    const report = (await response.json()) as HealthReport;

    expect(response.status, JSON.stringify(report)).toBe(200);
    expect(report.status).toBe('ok');
    expect(report.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(Object.keys(report.components).sort()).toEqual(['database', 'kafka', 'redis']);
    for (const component of Object.values(report.components)) {
      expect(component.status).toBe('up');
      expect(component.latency_ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('POST /api/v1/auth/login answers 200 with a bearer token for a valid login, 401 for a wrong password', async () => {
    const login = (password: string) =>
      fetch(`${offline.httpUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: admin.username, password }),
      });

    const [ok, wrong] = await Promise.all([login(admin.password), login('not the password')]);
    const body = (await ok.json()) as { access_token: string; token_type: string; role: string; driver_id: number | null };

    expect(ok.status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({ token_type: 'Bearer', role: 'admin', driver_id: null });
    await expect(verifyToken(body.access_token)).resolves.toMatchObject({ role: 'admin', driverId: null });
    expect(wrong.status).toBe(401);
    expectErrorBody(await wrong.text());
  });

  it('GET /metrics answers 401 without a token, 403 to a driver and the Prometheus text to an admin', async () => {
    const asAdmin = await issueToken({ userId: users.admin, role: 'admin', driverId: null });
    const asDriver = await issueToken({ userId: users.driver, role: 'driver', driverId: users.driverId });
    const scrape = (token?: string) => fetch(`${offline.httpUrl}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

    const [anonymous, driver, admin] = await Promise.all([scrape(), scrape(asDriver.token), scrape(asAdmin.token)]);
    const text = await admin.text();

    expect([anonymous.status, driver.status, admin.status]).toEqual([401, 403, 200]);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
    expect(admin.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
  });

  it.each(HTTP_PROBES)('$fn answers $method $path with its own success', async ({ method, path, as, body, answers }) => {
    const adminToken = await loginToken();
    const response = await fetch(`${offline.httpUrl}${path.replace('{driverId}', String(probeDriver.driverId))}`, {
      method,
      headers: {
        ...(as === 'admin' ? { authorization: `Bearer ${adminToken}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      ...(body === 'login' ? { body: JSON.stringify(admin) } : {}),
    });
    const text = await response.text();

    expect(response.status, text).toBe(200);
    if ('key' in answers) expect(Object.keys(JSON.parse(text) as object), text).toContain(answers.key);
    else expect(response.headers.get('content-type') ?? '').toContain(answers.contentType);
  });

  it('answers a bad request on a real route with the JSON problem, never a 5xx', async () => {
    const response = await fetch(`${offline.httpUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

    expect(response.status).toBe(400);
    expectErrorBody(await response.text());
  });

  it.each(INVOKE_PROBES)('$fn is invocable through the Lambda Invoke API', async ({ fn, event }) => {
    const response = await fetch(`${offline.lambdaUrl}/2015-03-31/functions/telematics-${offline.stage}-${fn}/invocations`, {
      method: 'POST',
      body: JSON.stringify(event),
    });
    const payload = await response.text();

    expect(response.status, payload).toBe(200);
    if (NOT_IMPLEMENTED_FUNCTIONS.includes(fn)) {
      // A function whose issue has not landed refuses the work the Lambda way, with a function
      // error saying so (the equivalent of HTTP 501).
      expect(response.headers.get('x-amz-function-error'), payload).not.toBeNull();
      expect((JSON.parse(payload) as { errorMessage?: string }).errorMessage).toMatch(/not implemented/);
    } else {
      expect(response.headers.get('x-amz-function-error'), payload).toBeNull();
    }
  });

  it('stops with its whole process group, leaving nothing running', async () => {
    await offline.stop();

    expect(groupAlive(offline.pid)).toBe(false);
  });
});
