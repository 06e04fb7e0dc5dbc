import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../lib/auth/index.js';
import { API_ROUTES } from '../../lib/openapi/index.js';
import type { RouteSpec } from '../../lib/router/index.js';
import { pathOf } from '../helpers/api.js';
import { createTestDriver, testSql, type TestDriver } from '../helpers/db.js';
import { insertPremium, insertRiskScore, insertTrip, insertTripEvents } from '../helpers/fixtures.js';
import { printOfflineOutputOnFailure, startOffline, type OfflineServer } from './offline-server.js';

/**
 * The API through serverless-offline with real PostgreSQL and Redis: every documented route's happy
 * path with the right token, answered by its own function with the values this file wrote;
 * pagination walks while rows are inserted; caching as a client sees it.
 */
describe('HTTP API through serverless-offline', () => {
  const sql = testSql();
  let offline: OfflineServer;
  printOfflineOutputOnFailure(() => offline);
  let driver: TestDriver;
  let other: TestDriver;
  const suffix = randomBytes(4).toString('hex');
  const password = 'e2e password of the api test';
  const logins = { admin: `e2e-admin-${suffix}`, driver: `e2e-driver-${suffix}` };
  const tokens = { admin: '', driver: '' };
  const tripIds: string[] = [];
  let eventIds: string[] = [];
  const recent = new Date(Date.now() - 3 * 3_600_000).toISOString();

  async function call(spec: RouteSpec, init: { token?: string; path?: Record<string, string | number>; query?: Record<string, string>; body?: unknown } = {}) {
    const query = init.query ? `?${new URLSearchParams(init.query).toString()}` : '';
    const response = await fetch(`${offline.httpUrl}${pathOf(spec, init.path)}${query}`, {
      method: spec.method,
      headers: {
        ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    const text = await response.text();
    const body: unknown = (response.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text;
    return { status: response.status, headers: response.headers, body: body as Record<string, unknown> & { items: Record<string, unknown>[] } };
  }

  beforeAll(async () => {
    [driver, other] = await Promise.all([createTestDriver(sql), createTestDriver(sql)]);
    const hash = await hashPassword(password);
    await sql`INSERT INTO users (username, password_hash, role) VALUES (${logins.admin}, ${hash}, 'admin')`;
    await sql`INSERT INTO users (username, password_hash, role, driver_id) VALUES (${logins.driver}, ${hash}, 'driver', ${driver.driverId})`;
    await sql`UPDATE drivers SET name = ${`E2e ${suffix}`} WHERE id = ${driver.driverId}`;
    for (let i = 0; i < 12; i++) tripIds.push(await insertTrip(sql, driver, { startedAt: new Date(Date.parse(recent) - (12 - i) * 3_600_000).toISOString(), distanceKm: 10 }));
    eventIds = await insertTripEvents(sql, driver, tripIds[11]!, new Date(Date.parse(recent) - 3_600_000).toISOString(), 4);
    const scoreId = await insertRiskScore(sql, driver.driverId, 33, recent);
    await insertPremium(sql, driver.driverId, scoreId, recent, { base: 80, risk: 0.95, usage: 1.05, final: 79.8 });
    offline = await startOffline({ stage: 'test' });
    for (const role of ['admin', 'driver'] as const) {
      const response = await fetch(`${offline.httpUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: logins[role], password }),
      });
      tokens[role] = ((await response.json()) as { access_token: string }).access_token;
    }
  }, 180_000);

  afterAll(async () => {
    await offline?.stop();
    await sql`DELETE FROM users WHERE username IN (${logins.admin}, ${logins.driver})`;
    await Promise.all([driver.remove(), other.remove()]);
    await sql.end({ timeout: 5 });
  });

  /** Each documented route's happy path: the request, the status and what the answer must hold. */
  const happyPaths: Record<string, () => Promise<void>> = {
    login: async () => {
      const answer = await call(API_ROUTES_BY_ID.login!, { body: { username: logins.driver, password } });
      expect([answer.status, answer.body.role, answer.body.driver_id]).toEqual([200, 'driver', driver.driverId]);
    },
    listDrivers: async () => {
      const answer = await call(API_ROUTES_BY_ID.listDrivers!, { token: tokens.admin, query: { name: `E2e ${suffix}` } });
      expect([answer.status, answer.body.total, answer.body.items[0]?.id, answer.body.items[0]?.risk_score]).toEqual([200, 1, driver.driverId, 33]);
    },
    createDriver: async () => {
      const answer = await call(API_ROUTES_BY_ID.createDriver!, {
        token: tokens.admin,
        body: { license_number: `E2E-${suffix.toUpperCase()}`, name: 'E2e Created', email: `e2e.${suffix}@example.com`, date_of_birth: '1980-05-17', licensed_since: '2000-01-01' },
      });
      expect([answer.status, answer.body.license_number]).toEqual([201, `E2E-${suffix.toUpperCase()}`]);
      await sql`DELETE FROM drivers WHERE id = ${answer.body.id as number}`;
    },
    getMyDriver: async () => {
      const answer = await call(API_ROUTES_BY_ID.getMyDriver!, { token: tokens.driver });
      expect([answer.status, answer.body.id, answer.body.username]).toEqual([200, driver.driverId, logins.driver]);
    },
    getMyStatistics: async () => {
      const answer = await call(API_ROUTES_BY_ID.getMyStatistics!, { token: tokens.driver });
      expect([answer.status, answer.body.trips, answer.body.distance_km]).toEqual([200, 12, 120]);
    },
    getDriver: async () => {
      const answer = await call(API_ROUTES_BY_ID.getDriver!, { token: tokens.admin, path: { driverId: driver.driverId } });
      expect([answer.status, (answer.body.vehicles as { id: number }[])[0]?.id]).toEqual([200, driver.vehicleId]);
    },
    updateDriver: async () => {
      const answer = await call(API_ROUTES_BY_ID.updateDriver!, { token: tokens.admin, path: { driverId: other.driverId }, body: { name: 'E2e Renamed' } });
      expect([answer.status, answer.body.name]).toEqual([200, 'E2e Renamed']);
    },
    deactivateDriver: async () => {
      const answer = await call(API_ROUTES_BY_ID.deactivateDriver!, { token: tokens.admin, path: { driverId: other.driverId } });
      expect(answer.status).toBe(204);
    },
    getDriverStatistics: async () => {
      const answer = await call(API_ROUTES_BY_ID.getDriverStatistics!, { token: tokens.driver, path: { driverId: driver.driverId } });
      expect([answer.status, answer.body.trips]).toEqual([200, 12]);
    },
    listMyTrips: async () => {
      const answer = await call(API_ROUTES_BY_ID.listMyTrips!, { token: tokens.driver, query: { limit: '3' } });
      expect([answer.status, answer.body.items.map((t) => t.id), answer.body.next_cursor === null]).toEqual([200, tripIds.slice(-3).reverse(), false]);
    },
    listDriverTrips: async () => {
      const answer = await call(API_ROUTES_BY_ID.listDriverTrips!, { token: tokens.admin, path: { driverId: driver.driverId }, query: { limit: '100' } });
      expect([answer.status, answer.body.items.map((t) => t.id)]).toEqual([200, [...tripIds].reverse()]);
    },
    getTrip: async () => {
      const answer = await call(API_ROUTES_BY_ID.getTrip!, { token: tokens.driver, path: { tripId: tripIds[11]! } });
      expect([answer.status, (answer.body.events as { event_id: string }[]).map((e) => e.event_id)]).toEqual([200, eventIds]);
    },
    listMyEvents: async () => {
      const answer = await call(API_ROUTES_BY_ID.listMyEvents!, { token: tokens.driver });
      expect([answer.status, answer.body.items.map((e) => e.event_id)]).toEqual([200, [...eventIds].reverse()]);
    },
    listDriverEvents: async () => {
      const answer = await call(API_ROUTES_BY_ID.listDriverEvents!, { token: tokens.admin, path: { driverId: driver.driverId }, query: { limit: '2' } });
      expect([answer.status, answer.body.items.map((e) => e.event_id)]).toEqual([200, eventIds.slice(-2).reverse()]);
    },
    ingestEvents: async () => {
      const event = { event_id: randomUUID(), ts: new Date(Date.now() - 60_000).toISOString(), driver_id: driver.driverId, vehicle_id: driver.vehicleId, event_type: 'position', lat: 50, lon: 7 };
      const first = await call(API_ROUTES_BY_ID.ingestEvents!, { token: tokens.driver, body: { events: [event] } });
      const replay = await call(API_ROUTES_BY_ID.ingestEvents!, { token: tokens.driver, body: { events: [event] } });
      expect([first.status, first.body.stored, replay.body.stored, replay.body.duplicates]).toEqual([200, 1, 0, 1]);
      await sql`DELETE FROM telematics_events WHERE event_id = ${event.event_id}::uuid`;
    },
    getMyRiskScore: async () => {
      const answer = await call(API_ROUTES_BY_ID.getMyRiskScore!, { token: tokens.driver });
      expect([answer.status, answer.body.score, answer.body.risk_band]).toEqual([200, 33, 'low']);
    },
    getMyRiskHistory: async () => {
      const answer = await call(API_ROUTES_BY_ID.getMyRiskHistory!, { token: tokens.driver });
      expect([answer.status, answer.body.items.length]).toEqual([200, 1]);
    },
    getRiskScore: async () => {
      const answer = await call(API_ROUTES_BY_ID.getRiskScore!, { token: tokens.admin, path: { driverId: driver.driverId } });
      expect([answer.status, answer.body.score]).toEqual([200, 33]);
    },
    getRiskHistory: async () => {
      const answer = await call(API_ROUTES_BY_ID.getRiskHistory!, { token: tokens.admin, path: { driverId: driver.driverId } });
      expect([answer.status, answer.body.items[0]?.score]).toEqual([200, 33]);
    },
    getMyPremium: async () => {
      const answer = await call(API_ROUTES_BY_ID.getMyPremium!, { token: tokens.driver });
      expect([answer.status, answer.body.final_amount]).toEqual([200, 79.8]);
    },
    getPremium: async () => {
      const answer = await call(API_ROUTES_BY_ID.getPremium!, { token: tokens.admin, path: { driverId: driver.driverId } });
      expect([answer.status, (answer.body.breakdown as { risk_factor: number }).risk_factor]).toEqual([200, 0.95]);
    },
    getDashboardSummary: async () => {
      const answer = await call(API_ROUTES_BY_ID.getDashboardSummary!, { token: tokens.admin, query: { from: new Date(Date.parse(recent) - 13 * 3_600_000).toISOString(), to: recent } });
      expect(answer.status).toBe(200);
      expect(answer.body.trips as number).toBeGreaterThanOrEqual(12);
    },
    getTripActivity: async () => {
      const answer = await call(API_ROUTES_BY_ID.getTripActivity!, { token: tokens.admin });
      expect([answer.status, (answer.body.days as unknown[]).length]).toEqual([200, 30]);
    },
    getRiskDistribution: async () => {
      const answer = await call(API_ROUTES_BY_ID.getRiskDistribution!, { token: tokens.admin });
      expect([answer.status, (answer.body.buckets as unknown[]).length]).toEqual([200, 10]);
    },
    getSafetyEvents: async () => {
      const answer = await call(API_ROUTES_BY_ID.getSafetyEvents!, { token: tokens.admin });
      expect([answer.status, (answer.body.types as unknown[]).length]).toEqual([200, 4]);
    },
    getCacheStats: async () => {
      const answer = await call(API_ROUTES_BY_ID.getCacheStats!, { token: tokens.admin });
      expect(answer.status).toBe(200);
    },
    invalidateCache: async () => {
      const answer = await call(API_ROUTES_BY_ID.invalidateCache!, { token: tokens.admin, body: { group: `driver:${driver.driverId}` } });
      expect([answer.status, answer.body.propagated]).toEqual([200, true]);
    },
    getHealth: async () => {
      const answer = await call(API_ROUTES_BY_ID.getHealth!);
      expect([answer.status, answer.body.status]).toEqual([200, 'ok']);
    },
    getMetrics: async () => {
      const answer = await call(API_ROUTES_BY_ID.getMetrics!, { token: tokens.admin });
      expect(answer.status).toBe(200);
      expect(answer.body as unknown as string).toMatch(/^# TYPE /m);
    },
    getOpenApiDocument: async () => {
      const answer = await call(API_ROUTES_BY_ID.getOpenApiDocument!);
      expect([answer.status, answer.body.openapi]).toEqual([200, '3.1.0']);
    },
    getDocsPage: async () => {
      const answer = await call(API_ROUTES_BY_ID.getDocsPage!);
      expect([answer.status, answer.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    },
    getDocsAsset: async () => {
      const answer = await call(API_ROUTES_BY_ID.getDocsAsset!, { path: { asset: 'swagger-ui.css' } });
      expect([answer.status, answer.headers.get('content-type')]).toEqual([200, 'text/css; charset=utf-8']);
    },
    getConsolePage: async () => {
      const answer = await call(API_ROUTES_BY_ID.getConsolePage!);
      expect([answer.status, answer.headers.get('content-type'), answer.headers.get('content-security-policy')?.split('; ')[1]]).toEqual([200, 'text/html; charset=utf-8', "script-src 'self'"]);
      expect(answer.body as unknown as string).toContain('<script type="module" src="/console/console.js"></script>');
    },
    getConsoleAsset: async () => {
      const answer = await call(API_ROUTES_BY_ID.getConsoleAsset!, { path: { asset: 'console.js' } });
      expect([answer.status, answer.headers.get('content-type')]).toEqual([200, 'text/javascript; charset=utf-8']);
    },
  };

  const API_ROUTES_BY_ID = Object.fromEntries(API_ROUTES.map((spec) => [spec.operationId, spec])) as Record<string, RouteSpec>;

  it('has a happy path for every documented route, and only for those', () => {
    expect(Object.keys(happyPaths).sort()).toEqual(API_ROUTES.map((spec) => spec.operationId).sort());
  });

  it('walks a cursor list while newer trips are inserted: every earlier trip exactly once, none of the newer ones', async () => {
    const seen: string[] = [];
    const inserted: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(API_ROUTES_BY_ID.listDriverTrips!, { token: tokens.admin, path: { driverId: driver.driverId }, query: { limit: '5', ...(cursor ? { cursor } : {}) } });
      seen.push(...page.body.items.map((t) => t.id as string));
      cursor = page.body.next_cursor as string | null;
      inserted.push(await insertTrip(sql, driver, { startedAt: new Date(Date.now() - 60_000 + inserted.length).toISOString() }));
    } while (cursor);

    expect(seen).toEqual([...tripIds].reverse());
    await sql`DELETE FROM trips WHERE id = ANY(${inserted}::uuid[])`;
  });

  it('walks offset pages oldest first while drivers are inserted: every earlier driver exactly once', async () => {
    const prefix = `E2w${suffix}`;
    const made: number[] = [];
    const make = async (i: number) => {
      const [row] = await sql<{ id: number }[]>`
        INSERT INTO drivers (license_number, name, email, date_of_birth, licensed_since)
        VALUES (${`W${suffix}-${i}`.toUpperCase()}, ${`${prefix} ${i}`}, ${`w${i}.${suffix}@example.com`}, '1980-01-01', '2000-01-01') RETURNING id`;
      made.push(row!.id);
    };
    for (let i = 0; i < 9; i++) await make(i);
    const before = [...made];
    const seen: number[] = [];
    for (let page = 1; ; page++) {
      const answer = await call(API_ROUTES_BY_ID.listDrivers!, { token: tokens.admin, query: { name: prefix, sort: 'created_at', order: 'asc', page_size: '2', page: String(page) } });
      seen.push(...answer.body.items.map((d) => d.id as number));
      await make(100 + page);
      if (!answer.body.has_next) break;
    }

    expect(seen.slice(0, before.length)).toEqual(before);
    expect(new Set(seen).size).toBe(seen.length);
    await sql`DELETE FROM drivers WHERE id = ANY(${made}::bigint[])`;
  });

  it('serves the second read from the cache, and shows an admin edit on the next read', async () => {
    const read = () => call(API_ROUTES_BY_ID.getDriver!, { token: tokens.admin, path: { driverId: driver.driverId } });
    const first = await read();
    // Changed behind the API's back: only a read from the cache still shows the old email.
    await sql`UPDATE drivers SET email = ${`sneaky.${suffix}@example.com`} WHERE id = ${driver.driverId}`;
    const second = await read();
    const edit = await call(API_ROUTES_BY_ID.updateDriver!, { token: tokens.admin, path: { driverId: driver.driverId }, body: { email: `edited.${suffix}@example.com` } });
    const third = await read();

    expect(second.body.email).toBe(first.body.email);
    expect(edit.status).toBe(200);
    expect(third.body.email).toBe(`edited.${suffix}@example.com`);
  });

  it.each(API_ROUTES.map((spec) => [spec.operationId, `${spec.method} ${spec.path}`]))('%s: %s answers its success with the values written', async (operationId) => {
    await happyPaths[operationId]!();
  });
});
