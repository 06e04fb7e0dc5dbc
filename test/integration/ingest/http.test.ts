import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/events/handler.js';
import { issueToken } from '../../../lib/auth/index.js';
import type { ProblemBody } from '../../../lib/http/index.js';
import { closeDb, type Sql } from '../../../lib/db/index.js';
import { HTTP_BATCH_MAX_BODY_BYTES, type TelematicsEvent } from '../../../lib/ingest/index.js';
import { syntheticTrip } from '../../../lib/ingest/synthetic.js';
import { createTestDriver, testSql, type TestDriver } from '../../helpers/db.js';
import { recomputedTrips, storedTrips } from '../../helpers/ingest.js';
import { bodyOf, jsonEvent, lambdaContext } from '../../helpers/lambda.js';

/** `POST /api/v1/events` through the events function's HTTP stack against the real database. */

const ROUTE = 'POST /api/v1/events';
const problemOf = (response: { body?: string }) => bodyOf<ProblemBody>(response).error;
const DAY_MS = 86_400_000;

describe('POST /api/v1/events', () => {
  let sql: Sql;
  let driver: TestDriver;
  let other: TestDriver;
  let seed = 5_000_000 + Math.floor(Math.random() * 1e6);

  const post = async (principal: { userId: number; role: 'driver' | 'admin'; driverId: number | null }, body: unknown) => {
    const { token } = await issueToken(principal);
    return handler(jsonEvent(body, { routeKey: ROUTE, path: '/api/v1/events', headers: { authorization: `Bearer ${token}` } }), lambdaContext(randomUUID()));
  };
  const asDriver = (d: TestDriver) => ({ userId: d.driverId, role: 'driver' as const, driverId: d.driverId });
  const admin = { userId: 1, role: 'admin' as const, driverId: null };
  const tripOf = (d: TestDriver) => syntheticTrip({ driverId: d.driverId, vehicleId: d.vehicleId, startMs: Date.now() - DAY_MS, seed: seed++ });
  const stored = async (events: readonly TelematicsEvent[]) =>
    (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM telematics_events WHERE event_id = ANY(${`{${events.map((e) => e.event_id).join(',')}}`}::uuid[])`)[0]!.n;

  beforeAll(async () => {
    sql = testSql();
    driver = await createTestDriver(sql);
    other = await createTestDriver(sql);
  });

  afterAll(async () => {
    await driver.remove();
    await other.remove();
    await sql.end();
    await closeDb();
  });

  it("stores a driver's own events and their trip, and a repeated upload stores nothing twice", async () => {
    const { trip, events } = tripOf(driver);
    const first = await post(asDriver(driver), { events });
    expect(first.statusCode).toBe(200);
    expect(bodyOf(first)).toEqual({ received: events.length, stored: events.length, duplicates: 0 });
    const again = await post(asDriver(driver), { events });
    expect(bodyOf(again)).toEqual({ received: events.length, stored: 0, duplicates: events.length });
    expect(await stored(events)).toBe(events.length);
    expect(await storedTrips(sql, [trip.id])).toEqual(await recomputedTrips(sql, [trip.id]));
  });

  it("refuses another driver's events with 403 and writes nothing", async () => {
    const { events } = tripOf(other);
    const response = await post(asDriver(driver), { events: events.slice(0, 3) });
    expect(response.statusCode).toBe(403);
    expect(problemOf(response).message).toMatch(/body\.events\[0\]\.driver_id/);
    expect(await stored(events.slice(0, 3))).toBe(0);
  });

  it('answers 400 naming every bad field, and writes nothing of the batch', async () => {
    const { events } = tripOf(driver);
    const batch = [events[0], { ...events[1], speed_kmh: 500 }, { ...events[2], ts: 'yesterday' }, events[3]];
    const response = await post(asDriver(driver), { events: batch });
    expect(response.statusCode).toBe(400);
    const fields = problemOf(response).fields?.map((e) => e.field);
    expect(fields).toEqual(['body.events[1].speed_kmh', 'body.events[2].ts']);
    expect(await stored(events.slice(0, 4))).toBe(0);
  });

  it("answers 400 naming the field for a vehicle that is not the driver's, also to an admin, and writes nothing", async () => {
    const { events } = tripOf(driver);
    const batch = [events[0]!, { ...events[1]!, vehicle_id: other.vehicleId }];
    const response = await post(admin, { events: batch });
    expect(response.statusCode).toBe(400);
    expect(problemOf(response).fields).toEqual([
      { field: 'body.events[1].vehicle_id', message: `vehicle ${other.vehicleId} does not belong to driver ${driver.driverId}` },
    ]);
    expect(await stored(batch)).toBe(0);
  });

  it('lets an admin upload any driver’s events', async () => {
    const { events } = tripOf(other);
    const response = await post(admin, { events: events.slice(0, 10) });
    expect(bodyOf(response)).toEqual({ received: 10, stored: 10, duplicates: 0 });
  });

  it('bounds the batch: more than the maximum number of events, or a body over the limit, is refused', async () => {
    const { events } = tripOf(driver);
    const many = Array.from({ length: 1001 }, (_, i) => ({ ...events[0]!, event_id: randomUUID(), ts: new Date(Date.now() - DAY_MS + i * 1000).toISOString() }));
    const tooMany = await post(asDriver(driver), { events: many });
    expect(tooMany.statusCode).toBe(400);
    expect(problemOf(tooMany).fields?.[0]?.field).toBe('body.events');
    const padded = { events: [{ ...events[0]!, data: { note: 'x'.repeat(4000) } }], pad: 'x'.repeat(HTTP_BATCH_MAX_BODY_BYTES) };
    expect((await post(asDriver(driver), padded)).statusCode).toBe(413);
  });
});
