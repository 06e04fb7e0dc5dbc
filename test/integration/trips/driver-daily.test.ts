import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/ingest/handler.js';
import { getConfig } from '../../../lib/config/index.js';
import { closeDb, type Sql } from '../../../lib/db/index.js';
import type { TelematicsEvent } from '../../../lib/ingest/index.js';
import { syntheticTrip } from '../../../lib/ingest/synthetic.js';
import { driverDailySql, refreshDriverDays, type DriverDayRow } from '../../../lib/trips/queries.js';
import { createTestDriver, testSql, type TestDriver } from '../../helpers/db.js';
import { eventOf, recomputedTrips, storedTrips } from '../../helpers/ingest.js';
import { lambdaContext } from '../../helpers/lambda.js';

/**
 * The per-driver daily rollup of trips (migration 008), kept by ingestion: after the same driving
 * arrives in one ordered batch, or shuffled into small batches with duplicates and replays (a trip
 * that crosses midnight and has its first half delivered last, so its start moves back a day after
 * it was counted), the rollup equals a recomputation from trips, and both deliveries give the same
 * rollup. Overlapping batches written by concurrent invocations leave trips and rollup exact. Two
 * refreshes of one driver's day by concurrent transactions are serialised.
 */

const topic = `test.driver-daily.${randomBytes(3).toString('hex')}`;
const DAY_MS = 86_400_000;
const invoke = (event: unknown) => handler(event as never, lambdaContext(randomUUID()));

/** A rollup row as compared: the day as text, without the driver. */
type DayFigures = Omit<DriverDayRow, 'driver_id' | 'day'> & { day: string };

describe('driver_daily rollup kept by ingestion', () => {
  let sql: Sql;
  let ordered: TestDriver;
  let shuffled: TestDriver;
  let concurrent: TestDriver;
  let seed = 5000 + Math.floor(Math.random() * 1e6);

  /** One driver's rollup as stored, or as recomputed from its trips. */
  const figures = (driverId: number, source: 'rollup' | 'trips') => {
    const from = source === 'rollup' ? sql`SELECT * FROM driver_daily` : driverDailySql.fromTrips(sql);
    return sql<DayFigures[]>`
      SELECT day::text, trips, distance_km, duration_s::float8 AS duration_s, night_distance_km, harsh_braking_count, harsh_acceleration_count,
             harsh_cornering_count, speeding_count, max_speed_kmh
      FROM (${from}) AS r WHERE driver_id = ${driverId} ORDER BY day`;
  };

  /** The same events for another driver and vehicle, under new event and trip ids. */
  function copyFor(events: readonly TelematicsEvent[], driver: TestDriver): TelematicsEvent[] {
    const tripIds = new Map<string, string>();
    return events.map((e) => {
      const tripId = e.trip_id ? (tripIds.get(e.trip_id) ?? tripIds.set(e.trip_id, randomUUID()).get(e.trip_id)) : e.trip_id;
      return { ...e, event_id: randomUUID(), driver_id: driver.driverId, vehicle_id: driver.vehicleId, trip_id: tripId };
    });
  }

  beforeAll(async () => {
    sql = testSql();
    ordered = await createTestDriver(sql);
    shuffled = await createTestDriver(sql);
    concurrent = await createTestDriver(sql);
  });

  afterAll(async () => {
    await sql`DELETE FROM dead_letters WHERE topic = ${topic}`;
    await ordered.remove();
    await shuffled.remove();
    await concurrent.remove();
    await sql.end();
    await closeDb();
  });

  it('equals a recomputation from trips whatever the order, batching and duplication of the events', async () => {
    const midnight = Math.floor(Date.now() / DAY_MS) * DAY_MS - 3 * DAY_MS;
    // Four trips over two days: one ends after midnight (started 5 minutes before it), one is left unfinished.
    const trip = (startMs: number) => syntheticTrip({ driverId: ordered.driverId, vehicleId: ordered.vehicleId, startMs, seed: seed++ });
    // A simulated trip's length follows its random route: draw until one lasts past midnight.
    const crossingTrip = () => {
      let drawn = trip(midnight - 300_000);
      for (let attempt = 0; attempt < 20 && Date.parse(drawn.events.at(-1)!.ts) <= midnight; attempt++) drawn = trip(midnight - 300_000);
      return drawn;
    };
    const trips = [trip(midnight - 6 * 3_600_000), crossingTrip(), trip(midnight + 8 * 3_600_000), trip(midnight + 17 * 3_600_000)];
    const crossing = trips[1]!.events;
    expect(Date.parse(crossing.at(-1)!.ts)).toBeGreaterThan(midnight);
    const unfinished = trips[3]!.events.filter((e) => e.event_type !== 'trip_end');
    const events = [...trips[0]!.events, ...crossing, ...trips[2]!.events, ...unfinished];

    expect(await invoke(eventOf(events, topic, 0))).toEqual({ batchItemFailures: [] });

    const copy = copyFor(events, shuffled);
    const crossingCopy = copy[trips[0]!.events.length]!.trip_id;
    const beforeMidnight = (e: TelematicsEvent) => e.trip_id === crossingCopy && Date.parse(e.ts) < midnight;
    const [firstHalf, rest] = [copy.filter(beforeMidnight), copy.filter((e) => !beforeMidnight(e))];
    expect(firstHalf.length).toBeGreaterThan(0);
    // Shuffled, in batches of 41, each delivered twice; the crossing trip's part before midnight comes last, in batches of its
    // own: its start moves back a day after the trip was counted on the next one.
    for (let i = rest.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [rest[i], rest[j]] = [rest[j]!, rest[i]!];
    }
    let offset = 100_000;
    for (const part of [rest, firstHalf]) {
      for (let i = 0; i < part.length; i += 41) {
        const batch = eventOf(part.slice(i, i + 41), topic, 1, (offset += 41));
        expect(await invoke(batch)).toEqual({ batchItemFailures: [] });
        expect(await invoke(batch)).toEqual({ batchItemFailures: [] });
      }
    }

    const fromOrdered = await figures(ordered.driverId, 'rollup');
    const fromShuffled = await figures(shuffled.driverId, 'rollup');
    // Three finished trips on two days; the unfinished one counts nowhere.
    expect(fromOrdered.map((d) => d.trips)).toEqual([2, 1]);
    expect(fromOrdered).toEqual(await figures(ordered.driverId, 'trips'));
    expect(fromShuffled).toEqual(await figures(shuffled.driverId, 'trips'));
    expect(fromShuffled).toEqual(fromOrdered);

    // The unfinished trip ends: its day counts it from then on.
    const end = trips[3]!.events.filter((e) => e.event_type === 'trip_end');
    expect(await invoke(eventOf(end, topic, 0, 50_000))).toEqual({ batchItemFailures: [] });
    const after = await figures(ordered.driverId, 'rollup');
    expect(after.map((d) => d.trips)).toEqual([2, 2]);
    expect(after).toEqual(await figures(ordered.driverId, 'trips'));
  });

  it('stays exact when overlapping batches of the same trips are written by concurrent invocations', async () => {
    const driver = concurrent;
    const midnight = Math.floor(Date.now() / DAY_MS) * DAY_MS - 6 * DAY_MS;
    // Three trips on two days, one across midnight: every batch below touches all three trips and both days.
    const trips = [midnight - 3 * 3_600_000, midnight - 900_000, midnight + 5 * 3_600_000].map((startMs) =>
      syntheticTrip({ driverId: driver.driverId, vehicleId: driver.vehicleId, startMs, seed: seed++ }),
    );
    const events = trips.flatMap((t) => t.events);
    const tripIds = [...new Set(events.map((e) => e.trip_id!))];
    // Dealt round-robin into 8 batches (each spans every trip), every batch delivered twice: 16 invocations at once,
    // as many partitions' pollers would, on a pool of several connections.
    const BATCHES = 8;
    const batches = Array.from({ length: BATCHES }, (_, b) => eventOf(events.filter((_, i) => i % BATCHES === b), topic, 10 + b, 1_000 * b));
    expect(getConfig().db.poolMax, 'concurrent invocations need concurrent connections').toBeGreaterThan(1);
    let pending = [...batches, ...batches];
    // A batch whose trip lock waited past lock_timeout comes back as failed records: redelivered, as the event source would.
    for (let round = 0; round < 10 && pending.length > 0; round++) {
      const results = await Promise.all(pending.map((batch) => invoke(batch)));
      pending = pending.filter((_, i) => (results[i] as { batchItemFailures: unknown[] }).batchItemFailures.length > 0);
    }
    expect(pending, 'batches still failing after 10 redeliveries').toEqual([]);

    const [count] = await sql<{ stored: number }[]>`SELECT count(*)::int AS stored FROM telematics_events WHERE driver_id = ${driver.driverId}`;
    expect(count?.stored).toBe(events.length);
    expect(await storedTrips(sql, tripIds)).toEqual(await recomputedTrips(sql, tripIds));
    const rollup = await figures(driver.driverId, 'rollup');
    expect(rollup.map((d) => d.trips), "a trip counts on the day it started").toEqual([2, 1]);
    expect(rollup).toEqual(await figures(driver.driverId, 'trips'));
  });

  it('serialises two transactions refreshing the same driver and day: the later one sums the earlier one\'s trip', async () => {
    const driver = ordered;
    const day = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - 10 * DAY_MS);
    const insertTrip = async (s: Sql, startedAt: Date) => {
      const id = randomUUID();
      await s`
        INSERT INTO trips (id, driver_id, vehicle_id, started_at, ended_at, distance_km, duration_s, max_speed_kmh, event_count)
        VALUES (${id}, ${driver.driverId}, ${driver.vehicleId}, ${startedAt.toISOString()}::text::timestamptz,
                ${new Date(startedAt.getTime() + 600_000).toISOString()}::text::timestamptz, 10, 600, 80, 100)`;
      return id;
    };
    const first = await insertTrip(sql, new Date(day.getTime() + 3_600_000));
    const second = await insertTrip(sql, new Date(day.getTime() + 7_200_000));
    await sql.begin((tx) => refreshDriverDays(tx, [first, second]));

    // A changes the first trip and refreshes the day, and stays open; B refreshes the day for the second trip meanwhile.
    let releaseA!: () => void;
    const aMayCommit = new Promise<void>((resolve) => (releaseA = resolve));
    let aRefreshed!: () => void;
    const aHasRefreshed = new Promise<void>((resolve) => (aRefreshed = resolve));
    let aCommittedAt = 0;
    const a = sql
      .begin(async (tx) => {
        await tx`UPDATE trips SET distance_km = 25 WHERE id = ${first}::uuid`;
        await refreshDriverDays(tx, [first]);
        aRefreshed();
        await aMayCommit;
      })
      .then(() => (aCommittedAt = performance.now()));
    await aHasRefreshed;
    let bDoneAt = 0;
    const b = sql
      .begin(async (tx) => {
        await tx`UPDATE trips SET distance_km = 12 WHERE id = ${second}::uuid`;
        await refreshDriverDays(tx, [second]);
      })
      .then(() => (bDoneAt = performance.now()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bDoneAt, 'B finished while A held the day').toBe(0);
    releaseA();
    await Promise.all([a, b]);

    expect(bDoneAt).toBeGreaterThan(aCommittedAt);
    const rollup = await figures(driver.driverId, 'rollup');
    const dayText = day.toISOString().slice(0, 10);
    expect(rollup.find((d) => d.day === dayText)).toMatchObject({ trips: 2, distance_km: 37 });
    expect(rollup).toEqual(await figures(driver.driverId, 'trips'));
  });
});
