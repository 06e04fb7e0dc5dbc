import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/drivers/handler.js';
import { authenticate, isUserActive, type Principal } from '../../../lib/auth/index.js';
import { driversApi, driversCache, type DriverDetail, type DriverPage, type DriverStatistics } from '../../../lib/drivers/index.js';
import { callRoute } from '../../helpers/api.js';
import { createTestDriver, testSql, type TestDriver } from '../../helpers/db.js';
import { countStatements, createLogin, insertRiskScore, insertTrip, removeLogins } from '../../helpers/fixtures.js';

interface Problem {
  error: { code: string; message: string; fields?: { field: string; message: string }[] };
}

/** Drivers through the drivers function in-process, against the real PostgreSQL and Redis. */
describe('drivers', () => {
  const sql = testSql();
  // A name prefix no other test's driver has, so list answers are exactly this file's drivers.
  const prefix = `Zq${randomBytes(3).toString('hex')}`;
  const drivers: TestDriver[] = [];
  let admin: Principal;
  let driverA: Principal;
  const created: number[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 5; i++) drivers.push(await createTestDriver(sql));
    // Names in a known order, scores 10, 45, 80 (low, medium, high) and none for the last two.
    for (const [i, d] of drivers.entries()) await sql`UPDATE drivers SET name = ${`${prefix} ${String.fromCharCode(69 - i)}`} WHERE id = ${d.driverId}`;
    const scores = [10, 45, 80];
    for (const [i, score] of scores.entries()) await insertRiskScore(sql, drivers[i]!.driverId, score, '2030-01-01T00:00:00Z');
    admin = await createLogin(sql, 'admin');
    driverA = await createLogin(sql, 'driver', drivers[0]!.driverId);
    // Statistics: two trips in January 2030, one in February.
    await insertTrip(sql, drivers[0]!, { startedAt: '2030-01-10T08:00:00Z', endedAt: '2030-01-10T09:00:00Z', distanceKm: 40, durationS: 3600, harshBraking: 2, speeding: 1, nightDistanceKm: 5, maxSpeedKmh: 110 });
    await insertTrip(sql, drivers[0]!, { startedAt: '2030-01-20T08:00:00Z', endedAt: '2030-01-20T08:30:00Z', distanceKm: 20, durationS: 1800, harshBraking: 1, maxSpeedKmh: 95 });
    await insertTrip(sql, drivers[0]!, { startedAt: '2030-02-05T08:00:00Z', endedAt: '2030-02-05T08:30:00Z', distanceKm: 99 });
  });

  afterAll(async () => {
    await removeLogins(sql, [admin, driverA]);
    await Promise.all(drivers.map((d) => d.remove()));
    for (const id of created) {
      await sql`DELETE FROM users WHERE driver_id = ${id}`;
      await sql`DELETE FROM drivers WHERE id = ${id}`;
    }
    await sql.end({ timeout: 5 });
  });

  const list = (query: Record<string, string>) => callRoute<DriverPage>(handler, driversApi.list, { as: admin, query: { name: prefix, ...query } });

  it('lists drivers by name with offset pages and exact totals', async () => {
    const first = await list({ sort: 'name', page_size: '2' });
    const third = await list({ sort: 'name', page_size: '2', page: '3' });

    expect(first.status).toBe(200);
    expect(first.body.items.map((d) => d.id)).toEqual([drivers[4]!.driverId, drivers[3]!.driverId]);
    expect(first.body).toMatchObject({ total: 5, page: 1, page_size: 2, total_pages: 3, has_next: true, has_previous: false });
    expect(third.body.items.map((d) => d.id)).toEqual([drivers[0]!.driverId]);
    expect(third.body).toMatchObject({ has_next: false, has_previous: true });
  });

  it('filters by risk band and sorts by score, unscored drivers last', async () => {
    const high = await list({ risk_band: 'high' });
    const medium = await list({ risk_band: 'medium' });
    const byRisk = await list({ sort: 'risk_score', order: 'desc', status: 'all' });

    expect(high.body.items.map((d) => [d.id, d.risk_score, d.risk_band])).toEqual([[drivers[2]!.driverId, 80, 'high']]);
    expect(medium.body.items.map((d) => d.id)).toEqual([drivers[1]!.driverId]);
    expect(byRisk.body.items.map((d) => d.risk_score)).toEqual([80, 45, 10, null, null]);
  });

  it("answers a driver's detail with vehicles, 404 with a code for an unknown id, 403 for another driver's id", async () => {
    const own = await callRoute<DriverDetail>(handler, driversApi.detail, { as: driverA, path: { driverId: drivers[0]!.driverId } });
    const me = await callRoute<DriverDetail>(handler, driversApi.me, { as: driverA });
    const other = await callRoute<Problem>(handler, driversApi.detail, { as: driverA, path: { driverId: drivers[1]!.driverId } });
    const unknown = await callRoute<Problem>(handler, driversApi.detail, { as: admin, path: { driverId: 2_000_000_000 } });

    expect(own.status).toBe(200);
    expect(own.body.vehicles.map((v) => v.id)).toEqual([drivers[0]!.vehicleId]);
    expect(me.body).toEqual(own.body);
    expect(other.status).toBe(403);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'driver_not_found']);
  });

  it('sums statistics over exactly the asked period', async () => {
    const january = await callRoute<DriverStatistics>(handler, driversApi.statistics, {
      as: driverA,
      path: { driverId: drivers[0]!.driverId },
      query: { from: '2030-01-01T00:00:00Z', to: '2030-02-01T00:00:00+00:00' },
    });

    expect(january.status).toBe(200);
    expect(january.body).toMatchObject({ trips: 2, distance_km: 60, duration_s: 5400, harsh_braking: 3, speeding: 1, night_distance_km: 5, max_speed_kmh: 110 });
    expect(january.body.avg_speed_kmh).toBeCloseTo(40, 6);
    expect(january.body.safety_events_per_100km).toBeCloseTo((4 / 60) * 100, 6);
    expect(january.body.first_trip_at).toBe('2030-01-10T08:00:00.000Z');
  });

  it('refuses an impossible date, a reversed period and an unknown parameter with 400 naming the field', async () => {
    const statistics = (query: Record<string, string>) =>
      callRoute<Problem>(handler, driversApi.statistics, { as: admin, path: { driverId: drivers[0]!.driverId }, query });

    const impossible = await statistics({ from: '2030-02-30T00:00:00Z' });
    const reversed = await statistics({ from: '2030-02-01T00:00:00Z', to: '2030-01-01T00:00:00Z' });
    const unknown = await statistics({ since: '2030-01-01T00:00:00Z' });

    expect([impossible.status, impossible.body.error.fields?.[0]?.field]).toEqual([400, 'query.from']);
    expect([reversed.status, reversed.body.error.fields?.[0]?.field]).toEqual([400, 'query.from']);
    expect([unknown.status, unknown.body.error.fields?.[0]?.field]).toEqual([400, 'query.since']);
  });

  it('creates a driver with a login that can sign in, and refuses a duplicate with 409', async () => {
    const suffix = randomBytes(3).toString('hex').toUpperCase();
    const body = {
      license_number: `NEW-${suffix}`,
      name: `${prefix} New`,
      email: `new.${suffix.toLowerCase()}@example.com`,
      date_of_birth: '1990-02-28',
      licensed_since: '2008-06-01',
      login: { username: `new-${suffix.toLowerCase()}`, password: 'a long enough password' },
    };
    const answer = await callRoute<DriverDetail>(handler, driversApi.create, { as: admin, body });
    if (answer.status === 201) created.push(answer.body.id);
    const duplicate = await callRoute<Problem>(handler, driversApi.create, { as: admin, body: { ...body, login: undefined } });

    expect(answer.status).toBe(201);
    expect(answer.headers.location).toBe(`/api/v1/drivers/${answer.body.id}`);
    expect(answer.body).toMatchObject({ license_number: body.license_number, name: body.name, username: body.login.username, active: true });
    await expect(authenticate(body.login.username, body.login.password)).resolves.toMatchObject({ role: 'driver', driverId: answer.body.id });
    expect(duplicate.status).toBe(409);
  });

  it('refuses a licence date less than 14 years after birth, naming the field', async () => {
    const answer = await callRoute<Problem>(handler, driversApi.create, {
      as: admin,
      body: { license_number: 'YOUNG-1', name: 'Too Young', email: 'young@example.com', date_of_birth: '2000-01-01', licensed_since: '2010-01-01' },
    });

    expect(answer.status).toBe(400);
    expect(answer.body.error.fields?.map((f) => f.field)).toEqual(['body.licensed_since']);
  });

  it('shows an admin edit on the next read, though the first read was cached', async () => {
    const read = () => callRoute<DriverDetail>(handler, driversApi.detail, { as: admin, path: { driverId: drivers[3]!.driverId } });
    await read();
    await isUserActive(admin.userId);
    const cached = await countStatements(read);
    const edit = await callRoute<DriverDetail>(handler, driversApi.update, { as: admin, path: { driverId: drivers[3]!.driverId }, body: { email: `edited.${prefix.toLowerCase()}@example.com` } });
    const after = await read();

    expect(cached.statements).toEqual([]);
    expect(edit.status).toBe(200);
    expect(after.body.email).toBe(`edited.${prefix.toLowerCase()}@example.com`);
  });

  it('deactivates a driver: they leave the active list, their login stops working, and DELETE is idempotent', async () => {
    const target = drivers[4]!;
    const login = await createLogin(sql, 'driver', target.driverId);
    const activeBefore = await list({});
    driversCache.clearL1();

    const first = await callRoute(handler, driversApi.deactivate, { as: admin, path: { driverId: target.driverId } });
    const again = await callRoute(handler, driversApi.deactivate, { as: admin, path: { driverId: target.driverId } });
    const activeAfter = await list({});
    const inactive = await list({ status: 'inactive' });
    const [user] = await sql<{ active: boolean }[]>`SELECT active FROM users WHERE id = ${login.userId}`;

    expect([first.status, again.status]).toEqual([204, 204]);
    expect(activeBefore.body.items.map((d) => d.id)).toContain(target.driverId);
    expect(activeAfter.body.items.map((d) => d.id)).not.toContain(target.driverId);
    expect(inactive.body.items.map((d) => d.id)).toEqual([target.driverId]);
    expect(user?.active).toBe(false);
  });

  it('refuses an empty or unknown edit with 400, and a driver editing with 403', async () => {
    const empty = await callRoute<Problem>(handler, driversApi.update, { as: admin, path: { driverId: drivers[1]!.driverId }, body: {} });
    const unknown = await callRoute<Problem>(handler, driversApi.update, { as: admin, path: { driverId: drivers[1]!.driverId }, body: { role: 'admin' } });
    const asDriver = await callRoute<Problem>(handler, driversApi.update, { as: driverA, path: { driverId: drivers[0]!.driverId }, body: { name: 'Me' } });

    expect(empty.status).toBe(400);
    expect([unknown.status, unknown.body.error.fields?.[0]?.field]).toEqual([400, 'body.role']);
    expect(asDriver.status).toBe(403);
  });
});
