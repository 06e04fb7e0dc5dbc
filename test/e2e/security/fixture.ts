import { randomBytes, randomUUID } from 'node:crypto';
import { hashPassword } from '../../../lib/auth/index.js';
import type { Sql } from '../../../lib/db/index.js';

/**
 * The people and rows the security suite works with, unique to one run (random suffix): an admin,
 * drivers A and B with a vehicle, a policy, two trips with events, two risk scores and a premium
 * each (so every driver route has real data to leak), driver C who is deactivated after signing in,
 * and two drivers only the admin's writes touch (one edited, one deactivated).
 */

export const PASSWORD = 'security suite password';

export interface DriverFixture {
  driverId: number;
  username: string;
  licenseNumber: string;
  email: string;
  vin: string;
  policyNumber: string;
  /** 0 for a driver without a vehicle. */
  vehicleId: number;
  tripIds: string[];
  eventIds: string[];
}

export interface Fixture {
  suffix: string;
  adminUsername: string;
  a: DriverFixture;
  b: DriverFixture;
  /** Signs in, then is deactivated by the admin: the still-valid token must stop working. */
  c: DriverFixture;
  /** Targets of the admin's PATCH and DELETE in the matrix. */
  editTarget: number;
  deactivateTarget: number;
  /** Removes every row the fixture and the suite's own writes created. */
  remove(): Promise<void>;
}

const HOUR_MS = 3_600_000;

async function insertDriver(sql: Sql, suffix: string, tag: string, withData: boolean): Promise<DriverFixture> {
  const licenseNumber = `SEC-${suffix}-${tag}`.toUpperCase();
  const email = `sec.${suffix}.${tag}@example.com`.toLowerCase();
  const username = `sec-${suffix}-${tag}`.toLowerCase();
  const [driver] = await sql<{ id: number }[]>`
    INSERT INTO drivers (license_number, name, email, date_of_birth, licensed_since)
    VALUES (${licenseNumber}, ${`Security ${tag}`}, ${email}, '1980-02-29', '2000-03-01') RETURNING id`;
  const driverId = driver!.id;
  await sql`INSERT INTO users (username, password_hash, role, driver_id) VALUES (${username}, ${await hashPassword(PASSWORD)}, 'driver', ${driverId})`;
  const vin = `SV${randomBytes(8).toString('hex').slice(0, 15)}`.toUpperCase();
  const policyNumber = `POL-${suffix}-${tag}`.toUpperCase();
  const fixture: DriverFixture = { driverId, username, licenseNumber, email, vin, policyNumber, tripIds: [], eventIds: [], vehicleId: 0 };
  if (!withData) return fixture;

  const [vehicle] = await sql<{ id: number }[]>`
    INSERT INTO vehicles (driver_id, vin, make, model, year) VALUES (${driverId}, ${vin}, 'Secure', 'Model', 2021) RETURNING id`;
  const vehicleId = vehicle!.id;
  fixture.vehicleId = vehicleId;
  const [policy] = await sql<{ id: number }[]>`
    INSERT INTO policies (policy_number, driver_id, vehicle_id, base_premium, start_date, end_date)
    VALUES (${policyNumber}, ${driverId}, ${vehicleId}, 100.00, '2026-01-01', '2027-01-01') RETURNING id`;
  // Two trips in the last day (inside every default period), each with a start, a position and an end event.
  const now = Date.now();
  for (const hoursAgo of [20, 10]) {
    const tripId = randomUUID();
    const started = new Date(now - hoursAgo * HOUR_MS);
    const ended = new Date(started.getTime() + 30 * 60_000);
    await sql`
      INSERT INTO trips (id, driver_id, vehicle_id, started_at, ended_at, distance_km, duration_s, avg_speed_kmh, max_speed_kmh,
                         harsh_braking_count, event_count, start_lat, start_lon, end_lat, end_lon)
      VALUES (${tripId}, ${driverId}, ${vehicleId}, ${started.toISOString()}::text::timestamptz, ${ended.toISOString()}::text::timestamptz,
              25.5, 1800, 51, 88, 1, 3, 52.5, 13.4, 52.6, 13.5)`;
    fixture.tripIds.push(tripId);
    const events: [string, number][] = [['trip_start', 0], ['harsh_braking', 600_000], ['trip_end', 1_800_000]];
    for (const [type, offsetMs] of events) {
      const eventId = randomUUID();
      await sql`
        INSERT INTO telematics_events (ts, driver_id, vehicle_id, lat, lon, event_id, trip_id, speed_kmh, acceleration_mps2, event_type, data)
        VALUES (${new Date(started.getTime() + offsetMs).toISOString()}::text::timestamptz, ${driverId}, ${vehicleId}, 52.5, 13.4,
                ${eventId}, ${tripId}, 50, -1, ${type}, ${sql.json({ source: 'security-suite' })})`;
      fixture.eventIds.push(eventId);
    }
  }
  const reasons = [{ feature: 'harsh_braking_per_100km', value: 3.9, contribution: 0.4, description: 'Harsh braking' }];
  let scoreId = 0;
  for (const [hoursAgo, score] of [[30, 35.5], [5, 42.25]] as const) {
    const [row] = await sql<{ id: number }[]>`
      INSERT INTO risk_scores (driver_id, scored_at, score, model_version, features, reasons)
      VALUES (${driverId}, ${new Date(now - hoursAgo * HOUR_MS).toISOString()}::text::timestamptz, ${score}, 'security-v1',
              ${sql.json({ harsh_braking_per_100km: 3.9 })}, ${sql.json(reasons)}) RETURNING id`;
    scoreId = row!.id;
  }
  await sql`
    INSERT INTO premiums (driver_id, policy_id, risk_score_id, base_amount, risk_factor, usage_factor, final_amount, score, details)
    VALUES (${driverId}, ${policy!.id}, ${scoreId}, 100.00, 1.1, 0.95, 104.50, 42.25, ${sql.json({ formula: 'base x risk x usage' })})`;
  return fixture;
}

export async function createFixture(sql: Sql): Promise<Fixture> {
  const suffix = randomBytes(4).toString('hex');
  const adminUsername = `sec-${suffix}-admin`;
  await sql`INSERT INTO users (username, password_hash, role) VALUES (${adminUsername}, ${await hashPassword(PASSWORD)}, 'admin')`;
  const [a, b, c, editTarget, deactivateTarget] = [
    await insertDriver(sql, suffix, 'a', true),
    await insertDriver(sql, suffix, 'b', true),
    await insertDriver(sql, suffix, 'c', false),
    await insertDriver(sql, suffix, 'edit', false),
    await insertDriver(sql, suffix, 'gone', false),
  ];
  return {
    suffix,
    adminUsername,
    a,
    b,
    c,
    editTarget: editTarget.driverId,
    deactivateTarget: deactivateTarget.driverId,
    remove: async () => {
      // Drivers the suite created through the API carry the suffix in their license number too.
      const ids = (await sql<{ id: number }[]>`SELECT id FROM drivers WHERE license_number LIKE ${`SEC-${suffix.toUpperCase()}-%`}`).map((r) => r.id);
      await sql`DELETE FROM premiums WHERE driver_id = ANY(${ids})`;
      await sql`DELETE FROM risk_scores WHERE driver_id = ANY(${ids})`;
      await sql`DELETE FROM telematics_events WHERE driver_id = ANY(${ids})`;
      await sql`DELETE FROM trips WHERE driver_id = ANY(${ids})`;
      await sql`DELETE FROM policies WHERE driver_id = ANY(${ids})`;
      await sql`DELETE FROM vehicles WHERE driver_id = ANY(${ids})`;
      await sql`DELETE FROM users WHERE driver_id = ANY(${ids}) OR username = ${adminUsername}`;
      await sql`DELETE FROM drivers WHERE id = ANY(${ids})`;
    },
  };
}

/** Every product table, for the checksum that proves refused requests wrote nothing. */
export const PRODUCT_TABLES = ['drivers', 'users', 'vehicles', 'policies', 'trips', 'telematics_events', 'risk_scores', 'premiums', 'dead_letters'] as const;

/**
 * Row count and an order-independent digest of every row's text (the sum of 64-bit hashes) of
 * each product table: one scan per table, cheap enough for the seeded datasets.
 */
export async function databaseChecksum(sql: Sql): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const table of PRODUCT_TABLES) {
    const [row] = await sql<{ rows: string; digest: string | null }[]>`
      SELECT count(*)::text AS rows, sum(hashtextextended(t::text, 0)::numeric)::text AS digest FROM ${sql(table)} t`;
    result[table] = `${row!.rows}:${row!.digest ?? '-'}`;
  }
  return result;
}
