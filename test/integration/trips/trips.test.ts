import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/trips/handler.js';
import { isUserActive, type Principal } from '../../../lib/auth/index.js';
import { tripsApi, tripsCache, type TripPage, type TripWithEvents } from '../../../lib/trips/index.js';
import { callRoute } from '../../helpers/api.js';
import { createTestDriver, testSql, type TestDriver } from '../../helpers/db.js';
import { countStatements, createLogin, insertTrip, insertTripEvents, removeLogins } from '../../helpers/fixtures.js';

/** Trips through the trips function in-process, against the real PostgreSQL and Redis. */
describe('trips', () => {
  const sql = testSql();
  let many: TestDriver;
  let few: TestDriver;
  let manyLogin: Principal;
  let fewLogin: Principal;
  let admin: Principal;
  const manyTripIds: string[] = [];
  let longTrip = '';
  let shortTrip = '';
  let longTripEvents: string[] = [];

  beforeAll(async () => {
    [many, few] = await Promise.all([createTestDriver(sql), createTestDriver(sql)]);
    [manyLogin, fewLogin, admin] = await Promise.all([
      createLogin(sql, 'driver', many.driverId),
      createLogin(sql, 'driver', few.driverId),
      createLogin(sql, 'admin'),
    ]);
    // 100 trips an hour apart for one driver, 3 for the other (2030 keeps them clear of seeded data).
    for (let i = 0; i < 100; i++) {
      manyTripIds.push(await insertTrip(sql, many, { startedAt: new Date(Date.UTC(2030, 0, 1, 0) + i * 3_600_000).toISOString(), endedAt: null, distanceKm: i + 1 }));
    }
    for (let i = 0; i < 3; i++) await insertTrip(sql, few, { startedAt: `2030-01-0${i + 1}T08:00:00Z` });
    const now = new Date(Date.now() - 86_400_000).toISOString();
    longTrip = await insertTrip(sql, few, { startedAt: now, endedAt: new Date(Date.parse(now) + 2000_000).toISOString() });
    shortTrip = await insertTrip(sql, few, { startedAt: now, endedAt: new Date(Date.parse(now) + 5_000).toISOString() });
    longTripEvents = await insertTripEvents(sql, few, longTrip, now, 2000);
    await insertTripEvents(sql, few, shortTrip, now, 5);
  });

  afterAll(async () => {
    await removeLogins(sql, [manyLogin, fewLogin, admin]);
    await Promise.all([many.remove(), few.remove()]);
    await sql.end({ timeout: 5 });
  });

  it("lists a driver's trips newest first and walks every trip exactly once through the cursor", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const answer: { status: number; body: TripPage } = await callRoute<TripPage>(handler, tripsApi.ofDriver, {
        as: admin,
        path: { driverId: many.driverId },
        query: { limit: '30', ...(cursor ? { cursor } : {}) },
      });
      expect(answer.status).toBe(200);
      seen.push(...answer.body.items.map((trip) => trip.id));
      cursor = answer.body.next_cursor;
      pages++;
    } while (cursor);

    expect(pages).toBe(4);
    expect(seen).toEqual([...manyTripIds].reverse());
  });

  it('answers a driver their own trips through /me and 403 for another driver', async () => {
    const mine = await callRoute<TripPage>(handler, tripsApi.mine, { as: fewLogin, query: { limit: '100' } });
    const theirs = await callRoute(handler, tripsApi.ofDriver, { as: fewLogin, path: { driverId: many.driverId } });

    const unknown = await callRoute<{ error: { code: string } }>(handler, tripsApi.ofDriver, { as: admin, path: { driverId: 2_000_000_000 } });

    expect(mine.status).toBe(200);
    expect(mine.body.items).toHaveLength(5);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'driver_not_found']);
    expect(mine.body.items.every((trip) => trip.driver_id === few.driverId)).toBe(true);
    expect(theirs.status).toBe(403);
  });

  it('returns one trip with its events in time order, and 403 or 404 where it must', async () => {
    const own = await callRoute<TripWithEvents>(handler, tripsApi.one, { as: fewLogin, path: { tripId: longTrip } });
    const foreign = await callRoute(handler, tripsApi.one, { as: manyLogin, path: { tripId: longTrip } });
    const missing = await callRoute<{ error: { code: string } }>(handler, tripsApi.one, { as: admin, path: { tripId: '00000000-0000-4000-8000-000000000000' } });

    expect(own.status).toBe(200);
    expect(own.body.trip.id).toBe(longTrip);
    expect(own.body.events.map((event) => event.event_id)).toEqual(longTripEvents);
    expect(own.body.events_truncated).toBe(false);
    expect(foreign.status).toBe(403);
    expect([missing.status, missing.body.error.code]).toEqual([404, 'trip_not_found']);
  });

  it('issues the same number of statements for a page of 1 and of 100 trips, and for a trip of 5 and of 2,000 events (no N+1)', async () => {
    tripsCache.clearL1();
    await tripsCache.delete(`driver:${many.driverId}:1:`);
    await tripsCache.delete(`driver:${many.driverId}:100:`);
    await tripsCache.delete(`trip:${shortTrip}`);
    await tripsCache.delete(`trip:${longTrip}`);
    const count = async (call: () => Promise<{ status: number }>) => {
      // The account check has its own cache; warm it so only the route's own statements are counted.
      await isUserActive(admin.userId);
      const { result, statements } = await countStatements(call);
      expect(result.status).toBe(200);
      return statements.length;
    };

    const onePage = await count(() => callRoute(handler, tripsApi.ofDriver, { as: admin, path: { driverId: many.driverId }, query: { limit: '1' } }));
    const fullPage = await count(() => callRoute(handler, tripsApi.ofDriver, { as: admin, path: { driverId: many.driverId }, query: { limit: '100' } }));
    const shortTripStatements = await count(() => callRoute(handler, tripsApi.one, { as: admin, path: { tripId: shortTrip } }));
    const longTripStatements = await count(() => callRoute(handler, tripsApi.one, { as: admin, path: { tripId: longTrip } }));

    expect(onePage).toBeGreaterThan(0);
    expect(fullPage).toBe(onePage);
    expect(shortTripStatements).toBeGreaterThan(0);
    expect(longTripStatements).toBe(shortTripStatements);
  });

  it('serves the second identical read from the cache without touching the database', async () => {
    tripsCache.clearL1();
    await tripsCache.delete(`trip:${shortTrip}`);
    const before = { ...tripsCache.counters };

    await isUserActive(admin.userId);
    const first = await countStatements(() => callRoute(handler, tripsApi.one, { as: admin, path: { tripId: shortTrip } }));
    const second = await countStatements(() => callRoute(handler, tripsApi.one, { as: admin, path: { tripId: shortTrip } }));

    expect(first.statements.length).toBeGreaterThan(0);
    expect(second.statements).toEqual([]);
    expect(second.result.body).toEqual(first.result.body);
    expect(tripsCache.counters.loads - before.loads).toBe(1);
    expect(tripsCache.counters.l1_hits - before.l1_hits).toBe(1);
  });
});
