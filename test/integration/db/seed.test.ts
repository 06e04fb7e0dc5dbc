import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../../lib/auth/index.js';
import {
  DEMO_ADMIN, DEMO_DRIVER_PASSWORD, DatabaseNotEmptyError, SeedingNotAllowedError, seedDatabase, type DatasetShape,
} from '../../../lib/seed/index.js';
import { driverDailySql } from '../../../lib/trips/queries.js';
import { withEnv } from '../../helpers/config.js';
import { withMigratedThrowawayDatabase, withSql } from '../../helpers/db.js';
import { runScript } from '../../helpers/process.js';
import { deleteKeysWithPrefix, rawRedis, uniquePrefix } from '../../helpers/redis.js';

const SHAPE: DatasetShape = { drivers: 6, days: 3, seed: 7, end: new Date('2026-11-20T00:00:00Z'), sampleIntervalS: 5 };
/** What a deployed stage needs besides STAGE itself to pass configuration validation. */
const DEPLOYED_ENV = { JWT_SECRET: 'a-deployed-stage-secret-of-at-least-32-characters' };

/** Row counts of every table a seed writes, and the trips themselves: any change made by a seed or reset shows here. */
function contentsOf(url: string) {
  return withSql(url, async (sql) => {
    const [counts] = await sql`
      SELECT (SELECT count(*) FROM drivers)::int AS drivers, (SELECT count(*) FROM users)::int AS users,
             (SELECT count(*) FROM trips)::int AS trips, (SELECT count(*) FROM telematics_events)::int AS events,
             (SELECT count(*) FROM training.synthetic_datasets)::int AS datasets`;
    const trips = await sql`SELECT id, distance_km, event_count FROM trips ORDER BY id`;
    return { counts, trips };
  });
}

describe('seeding a database', () => {
  it('writes trips whose aggregates match the stored events, and reports what it wrote', async () => {
    await withMigratedThrowawayDatabase('telematics_seed_test', async (url) => {
      const report = await seedDatabase({ ...SHAPE, databaseUrl: url });

      await withSql(url, async (sql) => {
        const [counts] = await sql<{ drivers: number; users: number; trips: number; events: number; datasets: number }[]>`
          SELECT (SELECT count(*) FROM drivers)::int AS drivers, (SELECT count(*) FROM users)::int AS users,
                 (SELECT count(*) FROM trips)::int AS trips, (SELECT count(*) FROM telematics_events)::int AS events,
                 (SELECT count(*) FROM training.synthetic_datasets WHERE drivers = ${SHAPE.drivers} AND events = ${report.events})::int AS datasets`;
        expect(counts).toEqual({ drivers: 6, users: 7, trips: report.trips, events: report.events, datasets: 1 });
        expect(report.events).toBeGreaterThan(0);

        const mismatched = await sql`
          SELECT t.id FROM trips t
          LEFT JOIN LATERAL (
            SELECT count(*) AS events,
                   count(*) FILTER (WHERE event_type = 'harsh_braking') AS braking,
                   count(*) FILTER (WHERE event_type = 'harsh_acceleration') AS acceleration,
                   count(*) FILTER (WHERE event_type = 'harsh_cornering') AS cornering,
                   count(*) FILTER (WHERE event_type = 'speeding') AS speeding,
                   max(speed_kmh) AS max_speed, min(ts) AS first_ts, max(ts) AS last_ts
            FROM telematics_events e WHERE e.trip_id = t.id
          ) e ON true
          WHERE e.events <> t.event_count OR e.braking <> t.harsh_braking_count OR e.acceleration <> t.harsh_acceleration_count
             OR e.cornering <> t.harsh_cornering_count OR e.speeding <> t.speeding_count OR e.max_speed <> t.max_speed_kmh
             OR e.first_ts <> t.started_at OR e.last_ts <> t.ended_at`;
        expect(mismatched).toEqual([]);

        // The trips were copied past ingestion: their daily rollup (risk features) was rebuilt from them.
        const rollup = await sql`SELECT * FROM driver_daily ORDER BY driver_id, day`;
        expect(rollup.length).toBeGreaterThan(0);
        expect(rollup).toEqual(await sql`SELECT * FROM (${driverDailySql.fromTrips(sql)}) AS r ORDER BY driver_id, day`);

        const [admin] = await sql<{ password_hash: string }[]>`SELECT password_hash FROM users WHERE username = ${DEMO_ADMIN.username} AND role = 'admin'`;
        const [driver] = await sql<{ password_hash: string; driver_id: number }[]>`SELECT password_hash, driver_id FROM users WHERE username = 'driver0001'`;
        expect(await verifyPassword(DEMO_ADMIN.password, admin?.password_hash ?? '')).toBe(true);
        expect(await verifyPassword(DEMO_DRIVER_PASSWORD, driver?.password_hash ?? '')).toBe(true);
        expect(driver?.driver_id).toBe(1);

        // Identities continue after the explicit ids, so the product's own inserts do not collide.
        const [inserted] = await sql<{ id: number }[]>`
          INSERT INTO drivers (license_number, name, email, date_of_birth, licensed_since)
          VALUES ('DL-NEW-1', 'New Driver', 'new.driver@example.com', '1990-01-01', '2010-01-01') RETURNING id`;
        expect(inserted?.id).toBe(7);
      });
    });
  });

  it('refuses a database that already has drivers unless asked to reset, and a reset reproduces the same data', async () => {
    await withMigratedThrowawayDatabase('telematics_seed_test', async (url) => {
      await seedDatabase({ ...SHAPE, databaseUrl: url });
      const first = await contentsOf(url);

      const again = seedDatabase({ ...SHAPE, databaseUrl: url });
      await expect(again).rejects.toBeInstanceOf(DatabaseNotEmptyError);
      await expect(again).rejects.toThrow(/already has 6 drivers.*--reset/);

      await seedDatabase({ ...SHAPE, databaseUrl: url, reset: true });
      expect(await contentsOf(url)).toEqual(first);
    });
  });
});

/** `npm run seed` for a small dataset, as a developer's shell runs it. */
const runSeedScript = (args: string[], env: Record<string, string>) => runScript('scripts/seed.ts', ['--drivers', '2', '--days', '1', ...args], { STAGE: 'test', ...env });

describe('a reset and the caches', () => {
  it('empties the caches of the database it resets (their ids restart), and leaves other keys and other databases\' caches alone', async () => {
    await withMigratedThrowawayDatabase('telematics_seed_test', async (url) => {
      await withMigratedThrowawayDatabase('telematics_seed_other', async (otherUrl) => {
        const prefix = uniquePrefix('seed-reset');
        const redis = rawRedis();
        const cached = [`${prefix}:drivers:1`, `${prefix}:premiums:current:1`, `${prefix}:auth:2`, `${prefix}:trips:driver:1:list`];
        const notCached = [`${prefix}:push:connection:abc`, `${prefix}:login-throttle:user:admin`];
        try {
          await seedDatabase({ ...SHAPE, databaseUrl: url });
          for (const key of [...cached, ...notCached]) await redis.set(key, 'entry for the first dataset');

          const elsewhere = await runSeedScript(['--reset', '--database-url', otherUrl], { DATABASE_URL: url, CACHE_PREFIX: prefix });
          expect(elsewhere.stdout).not.toMatch(/emptied the caches/);
          expect(await redis.exists(...cached)).toBe(cached.length);

          const reset = await runSeedScript(['--reset'], { DATABASE_URL: url, CACHE_PREFIX: prefix });
          expect(reset.stdout).toContain(`emptied the caches (${prefix}) of the data the reset replaced`);
          expect(await redis.exists(...cached)).toBe(0);
          expect(await redis.exists(...notCached)).toBe(notCached.length);
        } finally {
          await deleteKeysWithPrefix(redis, prefix);
          redis.disconnect();
        }
      });
    });
  });
});

describe('seeding outside the local and test stages', () => {
  it('is refused, with or without reset, before anything is written or emptied', async () => {
    await withMigratedThrowawayDatabase('telematics_seed_test', async (url) => {
      const freshSeed = await withEnv({ STAGE: 'prod', ...DEPLOYED_ENV }, () => seedDatabase({ ...SHAPE, databaseUrl: url }).catch((e: unknown) => e));

      expect(freshSeed).toBeInstanceOf(SeedingNotAllowedError);
      expect((freshSeed as Error).message).toMatch(/^Refusing to seed: STAGE=prod\. .*known passwords.*only when STAGE is local or test/);
      expect((await contentsOf(url)).counts).toEqual({ drivers: 0, users: 0, trips: 0, events: 0, datasets: 0 });

      await seedDatabase({ ...SHAPE, databaseUrl: url });
      const seeded = await contentsOf(url);
      const reset = await withEnv({ STAGE: 'staging', ...DEPLOYED_ENV }, () => seedDatabase({ ...SHAPE, databaseUrl: url, reset: true }).catch((e: unknown) => e));

      expect(reset).toBeInstanceOf(SeedingNotAllowedError);
      expect((reset as Error).message).toMatch(/^Refusing to seed: STAGE=staging\. .*--reset empties every product table/);
      expect(await contentsOf(url)).toEqual(seeded);
    });
  });

  it('makes `npm run seed -- --reset` exit with the refusal and leave the database as it was', async () => {
    await withMigratedThrowawayDatabase('telematics_seed_test', async (url) => {
      await seedDatabase({ ...SHAPE, databaseUrl: url });
      const seeded = await contentsOf(url);

      const run = await runSeedScript(['--reset'], { STAGE: 'prod', ...DEPLOYED_ENV, DATABASE_URL: url });

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/Refusing to seed: STAGE=prod\./);
      expect(await contentsOf(url)).toEqual(seeded);
    });
  });
});
