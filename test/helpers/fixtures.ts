import { randomBytes, randomUUID } from 'node:crypto';
import type { Principal } from '../../lib/auth/index.js';
import type { Sql } from '../../lib/db/index.js';
import { refreshDriverDays } from '../../lib/trips/queries.js';
import type { TestDriver } from './db.js';

/**
 * Rows with known values for tests that assert exact answers. Each helper writes plain SQL (not
 * the product's queries), so a test's expectations are computed independently of the code under test.
 */

/** A login of its own (a real `users` row, so checks that the user still exists and is active pass). */
export async function createLogin(sql: Sql, role: 'admin' | 'driver', driverId: number | null = null): Promise<Principal & { username: string }> {
  const username = `t-${role}-${randomBytes(5).toString('hex')}`;
  const [row] = await sql<{ id: number }[]>`
    INSERT INTO users (username, password_hash, role, driver_id) VALUES (${username}, 'unused-in-these-tests', ${role}, ${driverId}) RETURNING id`;
  if (!row) throw new Error('inserting the login returned no row');
  return { userId: row.id, role, driverId, username };
}

export async function removeLogins(sql: Sql, principals: readonly Principal[]): Promise<void> {
  await sql`DELETE FROM users WHERE id = ANY(${principals.map((p) => p.userId)}::bigint[])`;
}

export interface TripInit {
  startedAt: string;
  endedAt?: string | null;
  distanceKm?: number;
  durationS?: number;
  maxSpeedKmh?: number;
  avgSpeedKmh?: number;
  harshBraking?: number;
  harshAcceleration?: number;
  harshCornering?: number;
  speeding?: number;
  nightDistanceKm?: number;
  eventCount?: number;
}

/**
 * Inserts a trip directly and brings its days' rollup (driver_daily) up to date in the same
 * transaction, as ingestion does for the trips it writes: scoring's features then count it.
 */
export async function insertTrip(sql: Sql, driver: TestDriver, init: TripInit): Promise<string> {
  const id = randomUUID();
  await sql.begin(async (tx) => {
    await tx`
      INSERT INTO trips (id, driver_id, vehicle_id, started_at, ended_at, distance_km, duration_s, avg_speed_kmh, max_speed_kmh,
                         harsh_braking_count, harsh_acceleration_count, harsh_cornering_count, speeding_count, night_distance_km, event_count)
      VALUES (${id}, ${driver.driverId}, ${driver.vehicleId}, ${init.startedAt}::text::timestamptz, ${init.endedAt ?? null}::text::timestamptz,
              ${init.distanceKm ?? 10}, ${init.durationS ?? 600}, ${init.avgSpeedKmh ?? 60}, ${init.maxSpeedKmh ?? 90},
              ${init.harshBraking ?? 0}, ${init.harshAcceleration ?? 0}, ${init.harshCornering ?? 0}, ${init.speeding ?? 0},
              ${init.nightDistanceKm ?? 0}, ${init.eventCount ?? 0})`;
    await refreshDriverDays(tx, [id]);
  });
  return id;
}

/** `count` position events of a trip, one per second from `startTs`; returns their ids in time order. */
export async function insertTripEvents(sql: Sql, driver: TestDriver, tripId: string, startTs: string, count: number, eventType = 'position'): Promise<string[]> {
  const rows = await sql<{ event_id: string }[]>`
    INSERT INTO telematics_events (ts, driver_id, vehicle_id, trip_id, event_id, event_type, lat, lon, speed_kmh)
    SELECT ${startTs}::timestamptz + g * interval '1 second', ${driver.driverId}, ${driver.vehicleId}, ${tripId}::uuid,
           gen_random_uuid(), ${eventType}, 50 + g * 0.0001, 7, 50
    FROM generate_series(0, ${count - 1}) AS g
    ORDER BY g
    RETURNING event_id`;
  return rows.map((row) => row.event_id);
}

export async function insertRiskScore(sql: Sql, driverId: number, score: number, scoredAt: string): Promise<number> {
  const reasons = [{ feature: 'harsh_braking_per_100km', value: 4.2, contribution: 0.31, description: 'Harsh braking per 100 km' }];
  const [row] = await sql<{ id: number }[]>`
    INSERT INTO risk_scores (driver_id, scored_at, score, model_version, features, reasons)
    VALUES (${driverId}, ${scoredAt}::timestamptz, ${score}, 'test-model', ${sql.json({ harsh_braking_per_100km: 4.2 })}, ${sql.json(reasons)})
    RETURNING id`;
  if (!row) throw new Error('inserting the score returned no row');
  return row.id;
}

export async function insertPremium(sql: Sql, driverId: number, riskScoreId: number, computedAt: string, amounts: { base: number; risk: number; usage: number; final: number }): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    INSERT INTO premiums (driver_id, risk_score_id, computed_at, base_amount, risk_factor, usage_factor, final_amount, score, details)
    VALUES (${driverId}, ${riskScoreId}, ${computedAt}::timestamptz, ${amounts.base}, ${amounts.risk}, ${amounts.usage}, ${amounts.final},
            (SELECT score FROM risk_scores WHERE id = ${riskScoreId}), ${sql.json({ distance_km: 800 })})
    RETURNING id`;
  if (!row) throw new Error('inserting the premium returned no row');
  return row.id;
}

/** Counts the statements the instance's shared client sends while `fn` runs. */
export async function countStatements<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const { onStatement } = await import('../../lib/db/index.js');
  const statements: string[] = [];
  const stop = onStatement((statement) => statements.push(statement));
  try {
    return { result: await fn(), statements };
  } finally {
    stop();
  }
}
