import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authApi } from '../../../lib/auth/routes.js';
import { dashboardApi } from '../../../lib/dashboard/index.js';
import { driversApi } from '../../../lib/drivers/routes.js';
import { eventsApi } from '../../../lib/events/routes.js';
import { API_ROUTES } from '../../../lib/openapi/index.js';
import { riskApi } from '../../../lib/risk/routes.js';
import type { RouteSpec } from '../../../lib/router/index.js';
import { tripsApi } from '../../../lib/trips/routes.js';
import { testSql } from '../../helpers/db.js';
import { printOfflineOutputOnFailure, startOffline, type OfflineServer } from '../offline-server.js';
import { httpTransport, send, type ApiAnswer, type ApiCall, type Problem, type Transport } from './api.js';
import { createFixture, databaseChecksum, PASSWORD, type Fixture } from './fixture.js';
import { malformedCases, type MalformedCase } from './malformed.js';
import { matrixCases, runMatrix, SAMPLES, sampleFor, type Tokens } from './matrix.js';
import { badTokens, type BadToken } from './tokens.js';

/**
 * Security of every route through the real stack: serverless-offline (one server for the whole
 * suite) on the test database and Redis. Every answer is checked against the OpenAPI document
 * (see api.ts). Order matters: token and malformed-input checks run before the authorization
 * matrix, whose admin calls write.
 */

const ADMIN_ONLY = (spec: RouteSpec) => spec.auth === 'admin';
/**
 * Tokens are checked by the one HTTP stack every route shares, and each function is its own
 * bundle: every bad token goes to one non-public route of each function (the matrix already sends
 * no token and a deactivated driver's to every route).
 */
const TOKEN_ROUTES = [...new Map(API_ROUTES.filter((spec) => spec.auth !== 'public').map((spec) => [spec.tag, spec])).values()];
const routeName = (spec: RouteSpec) => `${spec.method} ${spec.path}`;

/** The product's error shape, naming `field` when given (a trailing `*` matches a prefix). */
function problemFailures(answer: ApiAnswer, status: number, field?: string): string[] {
  const failures: string[] = [];
  if (answer.status !== status) failures.push(`status ${answer.status}, expected ${status}: ${answer.text.slice(0, 300)}`);
  if (!answer.contentType?.startsWith('application/json')) return [...failures, `content type ${answer.contentType}`];
  const body = answer.json<Problem>();
  if (Object.keys(body).join() !== 'error' || typeof body.error.code !== 'string' || typeof body.error.message !== 'string' || body.error.message === '') {
    failures.push(`not the JSON problem shape: ${answer.text.slice(0, 300)}`);
  }
  if (field !== undefined) {
    const names = (body.error?.fields ?? []).map((f) => f.field);
    const matches = field.endsWith('*') ? names.some((n) => n.startsWith(field.slice(0, -1))) : names.includes(field);
    if (!matches) failures.push(`does not name ${field}: ${answer.text.slice(0, 300)}`);
  }
  return failures;
}

describe('security of every route (serverless offline, real PostgreSQL and Redis)', () => {
  const sql = testSql();
  let offline: OfflineServer;
  printOfflineOutputOnFailure(() => offline);
  let api: Transport;
  let fixture: Fixture;
  let tokens: Tokens;
  let userIdOfA: number;

  const call = (request: ApiCall) => send(api, request);

  async function login(username: string): Promise<string> {
    const answer = await call({ spec: authApi.login, body: { username, password: PASSWORD } });
    expect(answer.status, answer.text).toBe(200);
    return answer.json<{ access_token: string }>().access_token;
  }

  beforeAll(async () => {
    // The handlers must reach a test database, never the developer's.
    expect(process.env.DATABASE_URL).toMatch(/\/telematics_test(_\w+)?(\?|$)/);
    fixture = await createFixture(sql);
    const [userOfA] = await sql<{ id: number }[]>`SELECT id FROM users WHERE username = ${fixture.a.username}`;
    userIdOfA = userOfA!.id;
    offline = await startOffline({ stage: 'test' });
    api = httpTransport(offline.httpUrl);
    const [admin, driverA, driverB, deactivated] = await Promise.all([fixture.adminUsername, fixture.a.username, fixture.b.username, fixture.c.username].map(login));
    tokens = { admin: admin!, driverA: driverA!, driverB: driverB!, deactivated: deactivated! };
    // Driver C signed in while active; the admin now deactivates them. Their token has not expired.
    const deactivation = await call({ spec: driversApi.deactivate, path: { driverId: fixture.c.driverId }, token: tokens.admin });
    expect(deactivation.status, deactivation.text).toBe(204);
  }, 180_000);

  afterAll(async () => {
    await offline?.stop();
    await fixture?.remove();
    await sql.end({ timeout: 5 });
  });

  describe('tokens', () => {
    let refused: BadToken[];
    beforeAll(async () => {
      refused = await badTokens({ userId: userIdOfA, role: 'driver', driverId: fixture.a.driverId }, tokens.deactivated);
    });

    it('a deactivated driver can no longer sign in', async () => {
      const answer = await call({ spec: authApi.login, body: { username: fixture.c.username, password: PASSWORD } });

      expect(problemFailures(answer, 401)).toEqual([]);
    });

    it.each(TOKEN_ROUTES.map((spec) => [routeName(spec), spec] as const))('%s answers 401 to missing, expired, forged, alg-none, wrong-audience and deactivated tokens', async (_name, spec) => {
      const request = sampleFor(spec).request(fixture, fixture.a);
      const failures: string[] = [];
      for (const token of refused) {
        const answer = await call({ spec, ...request, headers: token.authorization === undefined ? {} : { authorization: token.authorization } });
        for (const failure of problemFailures(answer, 401)) failures.push(`${token.name}: ${failure}`);
        if (answer.status === 401 && answer.headers['www-authenticate'] !== 'Bearer') failures.push(`${token.name}: no WWW-Authenticate: Bearer`);
      }
      expect(failures, failures.join('\n')).toEqual([]);
    });
  });

  describe('malformed input', () => {
    let before: Record<string, string>;
    beforeAll(async () => {
      before = await databaseChecksum(sql);
    });

    /** A valid request of the route with the token that reaches its validation (an admin's for admin routes, A's otherwise). */
    function baseRequest(spec: RouteSpec): ApiCall {
      const token = spec.auth === 'public' ? undefined : ADMIN_ONLY(spec) ? tokens.admin : tokens.driverA;
      const request = sampleFor(spec).request(fixture, fixture.a);
      // Failed logins are for a username nobody has, so no throttling can lock out the suite's own logins.
      if (spec.operationId === 'login') request.body = { username: `sec-${fixture.suffix}-nobody`, password: 'not the password' };
      return { spec, ...request, ...(token ? { token } : {}) };
    }

    /** Sends the cases a few at a time (the suite's runtime matters; the server is shared with nobody). */
    async function failuresOf(cases: readonly MalformedCase[]): Promise<string[]> {
      const failures: string[] = [];
      const queue = [...cases];
      const worker = async () => {
        for (let c = queue.shift(); c; c = queue.shift()) await check(c, failures);
      };
      await Promise.all(Array.from({ length: 6 }, worker));
      return failures.sort();
    }

    async function check(c: MalformedCase, failures: string[]): Promise<void> {
      {
        let answer: ApiAnswer;
        try {
          answer = await call(c.call);
        } catch (error) {
          failures.push(`${c.name}: ${(error as Error).message}`);
          return;
        }
        if (c.expect === 'no 5xx') {
          if (answer.status >= 500) failures.push(`${c.name}: ${answer.status} ${answer.text.slice(0, 300)}`);
        } else {
          for (const failure of problemFailures(answer, c.expect, c.field)) failures.push(`${c.name}: ${failure}`);
        }
      }
    }

    it.each(API_ROUTES.map((spec) => [routeName(spec), spec] as const))('%s answers malformed input with a 4xx JSON problem naming it, never a 5xx', async (_name, spec) => {
      const writes = spec.method !== 'GET' && spec.operationId !== 'login';
      const cases = malformedCases(spec, baseRequest(spec), writes);

      const failures = await failuresOf(cases);
      expect(failures, failures.join('\n')).toEqual([]);
    });

    it('tampered, foreign and garbage cursors are refused with 400 naming query.cursor', async () => {
      const asA = { token: tokens.driverA };
      const firstPage = async (request: ApiCall) => {
        const answer = await call(request);
        expect(answer.status, answer.text).toBe(200);
        const cursor = answer.json<{ next_cursor: string | null }>().next_cursor;
        expect(cursor, `${request.spec.path} has a second page`).not.toBeNull();
        return cursor!;
      };
      const trips = await firstPage({ spec: tripsApi.mine, query: { limit: '1' }, ...asA });
      const events = await firstPage({ spec: eventsApi.mine, query: { limit: '1', types: 'harsh_braking,trip_start' }, ...asA });
      const [payload = '', mac = ''] = trips.split('.');
      const flipped = (text: string, at: number) => `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
      const cursorCases: MalformedCase[] = [
        { name: 'payload altered', call: { spec: tripsApi.mine, query: { cursor: `${flipped(payload, 5)}.${mac}` }, ...asA }, expect: 400, field: 'query.cursor' },
        { name: 'signature altered', call: { spec: tripsApi.mine, query: { cursor: `${payload}.${flipped(mac, 3)}` }, ...asA }, expect: 400, field: 'query.cursor' },
        { name: 'signature dropped', call: { spec: tripsApi.mine, query: { cursor: payload }, ...asA }, expect: 400, field: 'query.cursor' },
        { name: 'trips cursor on risk history', call: { spec: riskApi.myHistory, query: { cursor: trips }, ...asA }, expect: 400, field: 'query.cursor' },
        { name: "A's trips cursor on B's trips (admin)", call: { spec: tripsApi.ofDriver, path: { driverId: fixture.b.driverId }, query: { cursor: trips }, token: tokens.admin }, expect: 400, field: 'query.cursor' },
        { name: 'events cursor with other types', call: { spec: eventsApi.mine, query: { types: 'speeding', cursor: events }, ...asA }, expect: 400, field: 'query.cursor' },
        { name: 'events cursor with another period', call: { spec: eventsApi.mine, query: { types: 'harsh_braking,trip_start', from: '2026-01-01T00:00:00Z', cursor: events }, ...asA }, expect: 400, field: 'query.cursor' },
        { name: 'garbage', call: { spec: tripsApi.mine, query: { cursor: 'abc' }, ...asA }, expect: 400, field: 'query.cursor' },
        { name: 'SQL-like', call: { spec: tripsApi.mine, query: { cursor: "' OR '1'='1" }, ...asA }, expect: 400, field: 'query.cursor' },
        { name: 'forged with a valid shape', call: { spec: tripsApi.mine, query: { cursor: `${Buffer.from(JSON.stringify({ k: ['2000-01-01T00:00:00.000000Z', '00000000-0000-4000-8000-000000000000'], q: 'x' })).toString('base64url')}.${mac}` }, ...asA }, expect: 400, field: 'query.cursor' },
      ];

      const failures = await failuresOf(cursorCases);
      expect(failures, failures.join('\n')).toEqual([]);
      // The same cursor on its own query still works: the refusals above are about the cursor, not the route.
      expect((await call({ spec: tripsApi.mine, query: { limit: '1', cursor: trips }, ...asA })).status).toBe(200);
    });

    it('impossible and inverted periods and over-long charts are refused with 400 naming the parameter', async () => {
      const asA = { token: tokens.driverA };
      const cases: MalformedCase[] = [
        { name: 'Feb 30', call: { spec: driversApi.myStatistics, query: { from: '1990-02-30T00:00:00Z' }, ...asA }, expect: 400, field: 'query.from' },
        { name: 'from after to', call: { spec: driversApi.myStatistics, query: { from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, ...asA }, expect: 400, field: 'query.from' },
        { name: 'empty period', call: { spec: eventsApi.mine, query: { from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, ...asA }, expect: 400, field: 'query.from' },
        { name: 'chart too long', call: { spec: dashboardApi.tripActivity, query: { days: '367' }, token: tokens.admin }, expect: 400, field: 'query.days' },
        { name: 'year 0', call: { spec: eventsApi.mine, query: { from: '0000-01-01T00:00:00Z', to: '0000-01-02T00:00:00Z' }, ...asA }, expect: 400, field: 'query.from' },
      ];

      const failures = await failuresOf(cases);
      expect(failures, failures.join('\n')).toEqual([]);
    });

    it('refused requests changed nothing: every product table has the same rows as before', async () => {
      expect(await databaseChecksum(sql)).toEqual(before);
    });
  });

  describe('authorization matrix', () => {
    it('has a sample request for every route in API_ROUTES and for no other', () => {
      expect(Object.keys(SAMPLES).sort()).toEqual(API_ROUTES.map((spec) => spec.operationId).sort());
    });

    it.each(API_ROUTES.map((spec) => [routeName(spec), spec] as const))('%s: anonymous, drivers A and B, a deactivated driver and an admin get what their role allows', async (_name, spec) => {
      const cases = matrixCases(fixture, tokens, [spec]);
      const violations = await runMatrix(api, fixture, cases);

      const failures = violations.map((v) => `${v.name}: ${v.problem}`);
      expect(failures, failures.join('\n')).toEqual([]);
    });
  });
});
