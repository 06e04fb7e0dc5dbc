import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, type Sql } from '../../../lib/db/index.js';
import { startOfUtcDay } from '../../../lib/seed/index.js';
import { getTripWithEvents } from '../../../lib/trips/queries.js';
import { createTestDriver, testSql, type TestDriver } from '../../helpers/db.js';

/**
 * getTripWithEvents reads a trip, then its events between the trip's start and end. Those bounds
 * come back from PostgreSQL as JavaScript Dates, which keep milliseconds while timestamptz keeps
 * microseconds: the events at the very start and end of a trip must still be found.
 */

describe('a trip with its events', () => {
  let arrange: Sql;
  let driver: TestDriver;

  beforeAll(async () => {
    arrange = testSql();
    driver = await createTestDriver(arrange);
  });

  afterAll(async () => {
    await driver.remove();
    await arrange.end();
    await closeDb();
  });

  it('includes the events at the exact start and end of a trip whose timestamps carry microseconds', async () => {
    const started = new Date(startOfUtcDay().getTime() - 41 * 86_400_000 + 9 * 3_600_000).toISOString();
    const [trip] = await arrange<{ id: string }[]>`
      INSERT INTO trips (id, driver_id, vehicle_id, started_at, ended_at)
      VALUES (gen_random_uuid(), ${driver.driverId}, ${driver.vehicleId},
              ${started}::timestamptz + interval '123456 microseconds', ${started}::timestamptz + interval '10 minutes 987654 microseconds')
      RETURNING id`;
    const events = await arrange<{ event_id: string }[]>`
      INSERT INTO telematics_events (ts, event_id, driver_id, vehicle_id, trip_id, event_type)
      SELECT at.ts, gen_random_uuid(), t.driver_id, t.vehicle_id, t.id, at.event_type
      FROM trips t
      CROSS JOIN LATERAL (VALUES (t.started_at, 'trip_start'), (t.started_at + interval '5 minutes', 'position'), (t.ended_at, 'trip_end')) AS at (ts, event_type)
      WHERE t.id = ${trip!.id}::uuid
      RETURNING event_id`;

    const read = await getTripWithEvents(trip!.id);

    expect(read?.trip.id).toBe(trip!.id);
    expect(read?.events.map((e) => e.event_type)).toEqual(['trip_start', 'position', 'trip_end']);
    expect(read?.events.map((e) => e.event_id).sort()).toEqual(events.map((e) => e.event_id).sort());
  });
});
