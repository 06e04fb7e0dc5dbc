import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CLAIMS, DRIVERS, claimLine, driverLine, eventLine, policyLine, tripLine, vehicleLine } from '../../../lib/seed/copy.js';
import { driverDayTrips, generateDriver, isNight, type DrivingOptions, type SimulatedTrip } from '../../../lib/seed/index.js';

const END = new Date('2026-11-22T00:00:00Z');
const END_DAY = END.getTime() / 86_400_000;
const THRESHOLDS = { brakingMps2: -3, accelerationMps2: 2.25, corneringMps2: 3.5 };
const options = (seed: number, sampleIntervalS = 5): DrivingOptions => ({ seed, sampleIntervalS, thresholds: THRESHOLDS, endMs: END.getTime() });

/** Every COPY line a small dataset produces, hashed: what the database would receive. */
function datasetDigest(seed: number, drivers: number, days: number): string {
  const hash = createHash('sha256');
  for (let index = 0; index < drivers; index++) {
    const driver = generateDriver(seed, index, END);
    hash.update(driverLine(driver.row));
    for (const vehicle of driver.vehicles) hash.update(vehicleLine(vehicle, driver.row.created_at));
    for (const policy of driver.policies) hash.update(policyLine(policy));
    for (const claim of driver.claims) hash.update(claimLine(claim));
    for (let day = END_DAY - days; day < END_DAY; day++) {
      for (const { trip, events } of driverDayTrips(driver, day, options(seed))) {
        hash.update(tripLine(trip));
        for (const event of events) hash.update(eventLine(event, trip));
      }
    }
  }
  return hash.digest('hex');
}

function tripsOf(seed: number, drivers: number, days: number, sampleIntervalS = 5): { riskiness: number; trips: SimulatedTrip[] }[] {
  return Array.from({ length: drivers }, (_, index) => {
    const driver = generateDriver(seed, index, END);
    const trips: SimulatedTrip[] = [];
    for (let day = END_DAY - days; day < END_DAY; day++) trips.push(...driverDayTrips(driver, day, options(seed, sampleIntervalS)));
    return { riskiness: driver.traits.riskiness, trips };
  });
}

describe('synthetic data generator', () => {
  it('produces byte-identical rows for the same seed and end date', () => {
    const first = datasetDigest(42, 12, 3);
    const second = datasetDigest(42, 12, 3);

    expect(second).toBe(first);
  });

  it('produces different rows for a different seed', () => {
    expect(datasetDigest(43, 12, 3)).not.toBe(datasetDigest(42, 12, 3));
  });

  it('generates a driver the same way whatever else is generated around it', () => {
    const alone = generateDriver(7, 500, END);
    const afterOthers = (() => {
      for (let i = 0; i < 20; i++) generateDriver(7, i, END);
      return generateDriver(7, 500, END);
    })();

    expect(afterOthers).toEqual(alone);
  });

  it('never puts the hidden riskiness into a row the product reads', () => {
    const driver = generateDriver(42, 0, END);

    expect(DRIVERS.columns.join(' ')).not.toMatch(/risk/i);
    expect(Object.keys(driver.row).join(' ')).not.toMatch(/risk/i);
    expect(driverLine(driver.row)).not.toContain(String(driver.traits.riskiness));
    expect(CLAIMS.table).toBe('training.claims');
  });

  it("keeps every trip's aggregates consistent with its events", () => {
    const trips = tripsOf(42, 15, 4).flatMap((d) => d.trips);
    expect(trips.length).toBeGreaterThan(50);

    for (const { trip, events } of trips) {
      const count = (type: string) => events.filter((e) => e.event_type === type).length;
      expect(events[0]?.event_type).toBe('trip_start');
      expect(events.at(-1)?.event_type).toBe('trip_end');
      expect(events.at(-1)?.ts).toBe(trip.ended_at);
      expect(trip.event_count).toBe(events.length);
      expect(trip.harsh_braking_count).toBe(count('harsh_braking'));
      expect(trip.harsh_acceleration_count).toBe(count('harsh_acceleration'));
      expect(trip.harsh_cornering_count).toBe(count('harsh_cornering'));
      expect(trip.speeding_count).toBe(count('speeding'));
      expect(trip.max_speed_kmh).toBe(Math.max(...events.map((e) => e.speed_kmh)));
      expect(trip.duration_s).toBe((trip.ended_at - trip.started_at) / 1000);
      expect(trip.night_distance_km).toBeLessThanOrEqual(trip.distance_km);
      expect(trip.avg_speed_kmh).toBeCloseTo((trip.distance_km / trip.duration_s) * 3600, 0);
    }
  });

  it('classifies safety events with the configured thresholds and stores positions at the sample interval', () => {
    const trips = tripsOf(42, 15, 4, 10).flatMap((d) => d.trips);
    const violations: string[] = [];

    for (const { trip, events } of trips) {
      for (const e of events) {
        const second = (e.ts - trip.started_at) / 1000;
        const ok =
          Number.isInteger(second) &&
          (e.event_type !== 'harsh_braking' || e.acceleration_mps2 < THRESHOLDS.brakingMps2) &&
          (e.event_type !== 'harsh_acceleration' || e.acceleration_mps2 > THRESHOLDS.accelerationMps2) &&
          (e.event_type !== 'harsh_cornering' || Math.abs(e.lateral_mps2) > THRESHOLDS.corneringMps2) &&
          (e.event_type !== 'speeding' || e.speed_kmh > e.speed_limit_kmh) &&
          (e.event_type !== 'position' || second % 10 === 0);
        if (!ok) violations.push(`${e.event_type} at second ${second}: ${JSON.stringify(e)}`);
      }
    }

    expect(violations).toEqual([]);
    expect(trips.some(({ events }) => events.some((e) => e.event_type !== 'position' && !e.event_type.startsWith('trip_')))).toBe(true);
  });

  it('gives riskier drivers more safety events per hour of driving', () => {
    const drivers = tripsOf(42, 60, 7).filter((d) => d.trips.length > 0);
    drivers.sort((a, b) => a.riskiness - b.riskiness);
    const rate = (group: typeof drivers) => {
      const trips = group.flatMap((d) => d.trips.map((t) => t.trip));
      const events = trips.reduce((n, t) => n + t.harsh_braking_count + t.harsh_acceleration_count + t.harsh_cornering_count + t.speeding_count, 0);
      const hours = trips.reduce((h, t) => h + t.duration_s / 3600, 0);
      return events / hours;
    };
    const quarter = Math.floor(drivers.length / 4);

    expect(rate(drivers.slice(-quarter))).toBeGreaterThan(2 * rate(drivers.slice(0, quarter)));
  });

  it('dates every trip inside the requested period and never lets a driver overlap two trips', () => {
    for (const { trips } of tripsOf(42, 30, 5)) {
      for (const [i, { trip }] of trips.entries()) {
        expect(trip.started_at).toBeGreaterThanOrEqual((END_DAY - 5) * 86_400_000);
        expect(trip.started_at).toBeLessThan(END.getTime());
        const previous = trips[i - 1]?.trip;
        if (previous) expect(trip.started_at).toBeGreaterThanOrEqual(previous.ended_at);
      }
    }
  });

  it('treats 22:00-05:00 local solar time as night', () => {
    const midnightUtc = Date.UTC(2026, 10, 22);

    expect(isNight(midnightUtc, 0)).toBe(true);
    expect(isNight(midnightUtc + 12 * 3_600_000, 0)).toBe(false);
    // 21:30 UTC at 15 degrees east is 22:30 solar time.
    expect(isNight(midnightUtc - 2.5 * 3_600_000, 15)).toBe(true);
    expect(isNight(midnightUtc - 2.5 * 3_600_000, 0)).toBe(false);
  });
});
