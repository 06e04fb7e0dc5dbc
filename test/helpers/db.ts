import { randomBytes } from 'node:crypto';
import { createSqlClient, dbClientOptions, type Sql } from '../../lib/db/index.js';
import { migrate } from '../../lib/db/migrate.js';
import { seedDatabase, type DatasetShape } from '../../lib/seed/index.js';
import { testDatabaseUrl } from './env.js';

/** The test run's database (the same one vitest.config.ts gives the tests as DATABASE_URL). */
export const TEST_DATABASE_URL = testDatabaseUrl();

/** A client of its own for arranging and asserting, independent of the instance's shared one. */
export function testSql(url: string = TEST_DATABASE_URL, max = 2): Sql {
  return createSqlClient(dbClientOptions({ url, max, statementTimeoutMs: 0, applicationName: 'telematics-tests' })).sql;
}

/** Runs `fn` with a `testSql` client on `url` (one connection unless told), closed afterwards whatever happens. */
export async function withSql<T>(url: string, fn: (sql: Sql) => Promise<T>, max = 1): Promise<T> {
  const sql = testSql(url, max);
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export interface TestDriver {
  driverId: number;
  vehicleId: number;
  /** Deletes the driver with its vehicle, trips, events and scores. */
  remove: () => Promise<void>;
}

/** A driver with one vehicle, unique to the calling test, for tests that write trips, events or scores of their own. */
export async function createTestDriver(sql: Sql): Promise<TestDriver> {
  const suffix = randomBytes(4).toString('hex');
  const [driver] = await sql<{ id: number }[]>`
    INSERT INTO drivers (license_number, name, email, date_of_birth, licensed_since)
    VALUES (${`TEST-${suffix}`.toUpperCase()}, 'Test Driver', ${`test.driver.${suffix}@example.com`}, '1985-01-01', '2005-01-01')
    RETURNING id`;
  if (!driver) throw new Error('inserting the test driver returned no row');
  const driverId = driver.id;
  // Hex digits and TV are all valid VIN characters (which exclude I, O and Q).
  const vin = `TV${randomBytes(8).toString('hex').slice(0, 15)}`.toUpperCase();
  const [vehicle] = await sql<{ id: number }[]>`
    INSERT INTO vehicles (driver_id, vin, make, model, year) VALUES (${driverId}, ${vin}, 'Test', 'Vehicle', 2020) RETURNING id`;
  if (!vehicle) throw new Error('inserting the test vehicle returned no row');
  return {
    driverId,
    vehicleId: vehicle.id,
    remove: async () => {
      await sql`DELETE FROM telematics_events WHERE driver_id = ${driverId}`;
      await sql`DELETE FROM trips WHERE driver_id = ${driverId}`;
      await sql`DELETE FROM premiums WHERE driver_id = ${driverId}`;
      await sql`DELETE FROM risk_scores WHERE driver_id = ${driverId}`;
      await sql`DELETE FROM users WHERE driver_id = ${driverId}`;
      await sql`DELETE FROM vehicles WHERE driver_id = ${driverId}`;
      await sql`DELETE FROM drivers WHERE id = ${driverId}`;
    },
  };
}

/** The URL of `databaseName` on the test server. */
export function databaseUrl(databaseName: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${databaseName}`;
  return url.toString();
}

/**
 * Runs `fn` against a brand-new empty database named `<prefix>_<random>` and drops it afterwards,
 * for tests that need a database nobody else touches (migrations from scratch, seeding refusal).
 */
export async function withThrowawayDatabase<T>(prefix: string, fn: (url: string) => Promise<T>): Promise<T> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  return withSql(TEST_DATABASE_URL, async (admin) => {
    await admin`CREATE DATABASE ${admin(name)}`;
    try {
      return await fn(databaseUrl(name));
    } finally {
      await dropDatabase(admin, name);
    }
  });
}

/**
 * DROP ... WITH (FORCE) ends the database's sessions, but the project's role may not signal an
 * autovacuum worker (a superuser process, SQLSTATE 42501) that a fresh, busy database attracts;
 * such a worker ends on its own, so wait for it and try again.
 */
async function dropDatabase(admin: Sql, name: string, attempts = 50): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await admin`DROP DATABASE IF EXISTS ${admin(name)} WITH (FORCE)`;
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '42501' || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/** A throwaway database with every migration applied. */
export function withMigratedThrowawayDatabase<T>(prefix: string, fn: (url: string) => Promise<T>): Promise<T> {
  return withThrowawayDatabase(prefix, async (url) => {
    await migrate({ databaseUrl: url });
    return fn(url);
  });
}

/**
 * Makes sure the test database holds the synthetic dataset `shape` (seeding it, replacing whatever
 * is there, when the recorded dataset differs or its rows are gone) and returns whether it seeded.
 * A reseed restarts every id, so the cache entries earlier test files left in Redis would answer
 * for the drivers and trips that later files create under the same ids: the seed empties the
 * caches of the database it resets (this one is the tests' configured database).
 */
export async function ensureDataset(shape: DatasetShape): Promise<{ seeded: boolean }> {
  const matches = await withSql(TEST_DATABASE_URL, async (sql) => {
    const [recorded] = await sql<{ matches: boolean }[]>`
      SELECT (d.seed = ${shape.seed} AND d.drivers = ${shape.drivers} AND d.days = ${shape.days}
              AND d.end_at = ${shape.end} AND d.sample_interval_s = ${shape.sampleIntervalS}
              AND (SELECT count(*) FROM drivers) >= d.drivers
              AND (SELECT count(*) FROM trips) >= d.trips
              AND EXISTS (SELECT 1 FROM telematics_events WHERE ts >= d.end_at - interval '1 day' AND ts < d.end_at)) AS matches
      FROM training.synthetic_datasets d
      ORDER BY d.id DESC
      LIMIT 1`;
    return recorded?.matches ?? false;
  });
  if (matches) return { seeded: false };
  const report = await seedDatabase({ ...shape, databaseUrl: TEST_DATABASE_URL, reset: true });
  if (report.cachesCleared !== true) throw new Error('the reseed of the test database did not empty its caches');
  return { seeded: true };
}
