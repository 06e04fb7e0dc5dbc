import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/dashboard/handler.js';
import type { Principal } from '../../../lib/auth/index.js';
import { dashboardApi, dashboardCache, type DashboardSummary, type SafetyEvents, type TripActivity } from '../../../lib/dashboard/index.js';
import { callRoute } from '../../helpers/api.js';
import { createTestDriver, testSql, type TestDriver } from '../../helpers/db.js';
import { createLogin, insertTrip, insertTripEvents, removeLogins } from '../../helpers/fixtures.js';

/**
 * The admin dashboard in-process against the real database. Periods in 2031 hold only this file's
 * rows, so the figures are known exactly; fleet-wide counts are compared with plain counts taken by
 * the test itself.
 */
describe('dashboard', () => {
  const sql = testSql();
  let a: TestDriver;
  let b: TestDriver;
  let admin: Principal;
  let driver: Principal;

  beforeAll(async () => {
    [a, b] = await Promise.all([createTestDriver(sql), createTestDriver(sql)]);
    [admin, driver] = await Promise.all([createLogin(sql, 'admin'), createLogin(sql, 'driver', a.driverId)]);
    await insertTrip(sql, a, { startedAt: '2031-03-01T10:00:00Z', endedAt: '2031-03-01T11:00:00Z', distanceKm: 30, durationS: 3600, nightDistanceKm: 2, eventCount: 7 });
    await insertTrip(sql, a, { startedAt: '2031-03-01T20:00:00Z', endedAt: '2031-03-01T21:00:00Z', distanceKm: 12, durationS: 1200 });
    const tripB = await insertTrip(sql, b, { startedAt: '2031-03-03T09:00:00Z', endedAt: '2031-03-03T10:00:00Z', distanceKm: 8, durationS: 600, eventCount: 5 });
    await insertTripEvents(sql, b, tripB, '2031-03-03T09:00:00Z', 2, 'harsh_braking');
    await insertTripEvents(sql, b, tripB, '2031-03-03T09:10:00Z', 3, 'speeding');
    dashboardCache.clearL1();
  });

  afterAll(async () => {
    await removeLogins(sql, [admin, driver]);
    await Promise.all([a.remove(), b.remove()]);
    await sql.end({ timeout: 5 });
  });

  const period = { from: '2031-03-01T00:00:00Z', to: '2031-03-04T00:00:00Z' };

  it('summarises the period exactly, and the fleet as the database counts it', async () => {
    const answer = await callRoute<DashboardSummary>(handler, dashboardApi.summary, { as: admin, query: period });
    const [fleet] = await sql<{ drivers: number; active: number; vehicles: number }[]>`
      SELECT (SELECT count(*) FROM drivers)::int AS drivers, (SELECT count(*) FROM drivers WHERE active)::int AS active, (SELECT count(*) FROM vehicles)::int AS vehicles`;

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ trips: 3, drivers_driving: 2, distance_km: 50, events: 12, from: '2031-03-01T00:00:00.000Z', to: '2031-03-04T00:00:00.000Z' });
    expect(answer.body).toMatchObject({ drivers_total: fleet?.drivers, drivers_active: fleet?.active, vehicles: fleet?.vehicles });
  });

  it('lists every UTC day of the period, empty days as zeros', async () => {
    const answer = await callRoute<TripActivity>(handler, dashboardApi.tripActivity, { as: admin, query: { days: '3', to: '2031-03-04' } });

    expect(answer.body.days.map((d) => [d.day, d.trips, d.drivers, d.distance_km])).toEqual([
      ['2031-03-01', 2, 1, 42],
      ['2031-03-02', 0, 0, 0],
      ['2031-03-03', 1, 1, 8],
    ]);
  });

  it('breaks safety events down by type, every type listed', async () => {
    const answer = await callRoute<SafetyEvents>(handler, dashboardApi.safetyEvents, { as: admin, query: period });

    expect(answer.body.events).toBe(5);
    expect(answer.body.types).toEqual([
      { event_type: 'harsh_braking', events: 2, drivers: 1 },
      { event_type: 'harsh_acceleration', events: 0, drivers: 0 },
      { event_type: 'harsh_cornering', events: 0, drivers: 0 },
      { event_type: 'speeding', events: 3, drivers: 1 },
    ]);
  });

  it('is for admins only, and refuses a chart longer than a year or a reversed period', async () => {
    const asDriver = await callRoute(handler, dashboardApi.summary, { as: driver });
    const tooLong = await callRoute<{ error: { fields: { field: string }[] } }>(handler, dashboardApi.tripActivity, { as: admin, query: { days: '367' } });
    const reversed = await callRoute<{ error: { fields: { field: string }[] } }>(handler, dashboardApi.summary, {
      as: admin,
      query: { from: '2031-01-01T00:00:00Z', to: '2020-01-01T00:00:00Z' },
    });

    expect(asDriver.status).toBe(403);
    expect([tooLong.status, tooLong.body.error.fields[0]?.field]).toEqual([400, 'query.days']);
    expect([reversed.status, reversed.body.error.fields[0]?.field]).toEqual([400, 'query.from']);
  });
});
