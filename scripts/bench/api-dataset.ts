/**
 * The dataset of `npm run bench:api`: the 1000-driver, 30-day synthetic dataset (seed 42) in a
 * database of the benchmark's own. Seeding takes minutes, so a database whose
 * `training.synthetic_datasets` marker names this shape is reused as it is; otherwise it is
 * (re)seeded, saying so. Scores and premiums come from the scoring run, which this dataset does
 * not include: if there are none, one plausible score and premium per driver is inserted, so the
 * risk and premium routes answer 200 rather than 404.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { issueToken } from '../../lib/auth/index.js';
import { migrate } from '../../lib/db/migrate.js';
import { getDb } from '../../lib/db/index.js';
import { warmDriverPremiums } from '../../lib/premiums/index.js';
import { warmDriverRisk } from '../../lib/risk/index.js';
import { seededRandom, type BenchDriver, type Population } from './api-mix.js';

export const DATASET = { drivers: 1000, days: 30, seed: 42 } as const;
/** Trips per driver a `GET /trips/{tripId}` may ask for: the most recent ones, as an app shows them. */
const RECENT_TRIPS = 5;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_DATABASE = 'telematics_bench_api';
/** Marks the rows this benchmark inserted, so nobody takes them for the scoring run's output. */
export const PLACEHOLDER_MODEL = 'bench-placeholder';

/** BENCH_DATABASE_URL, or the local server's `telematics_bench_api` database (never the developer's DATABASE_URL, which seeding would empty). */
export function benchDatabaseUrl(): string {
  if (process.env.BENCH_DATABASE_URL) return process.env.BENCH_DATABASE_URL;
  const url = new URL('postgres://telematics:telematics@127.0.0.1:5432/');
  url.pathname = `/${DEFAULT_DATABASE}`;
  return url.toString();
}

async function createDatabaseIfMissing(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = postgres(url.toString(), { max: 1, onnotice: () => undefined });
  try {
    const [found] = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
    if (!found) {
      console.log(`creating database ${name}`);
      await admin.unsafe(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
}

async function rowsIn(table: 'drivers' | 'risk_scores' | 'premiums'): Promise<number> {
  const [row] = await getDb()<{ n: number }[]>`SELECT count(*)::int AS n FROM ${getDb()(table)}`;
  return row?.n ?? 0;
}

async function hasDataset(): Promise<boolean> {
  const sql = getDb();
  const [marker] = await sql<{ trips: number; events: number; end_at: Date }[]>`
    SELECT trips, events, end_at FROM training.synthetic_datasets
    WHERE seed = ${DATASET.seed} AND drivers = ${DATASET.drivers} AND days = ${DATASET.days}
    ORDER BY end_at DESC LIMIT 1`;
  if (!marker) return false;
  const drivers = await rowsIn('drivers');
  if (drivers !== DATASET.drivers) return false;
  console.log(
    `dataset: reusing ${drivers} drivers x ${DATASET.days} days (seed ${DATASET.seed}, ending ${marker.end_at.toISOString()}), ` +
      `${marker.trips} trips, ${marker.events} events`,
  );
  return true;
}

async function seedDataset(databaseUrl: string): Promise<void> {
  console.log(
    `dataset: no ${DATASET.drivers}-driver dataset (seed ${DATASET.seed}) in ${new URL(databaseUrl).pathname.slice(1)}: seeding it now ` +
      '(several minutes; later runs reuse it)',
  );
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/seed.ts', '--drivers', String(DATASET.drivers), '--days', String(DATASET.days), '--seed', String(DATASET.seed), '--reset'],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: databaseUrl, STAGE: 'local' }, stdio: 'inherit' },
  );
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`seeding failed (exit ${code})`);
}

/**
 * One score per driver from their trips (harsh events per 100 km and night share), and one premium
 * per driver with a policy, priced from it: enough for realistic payloads, not a model.
 */
async function ensureScoresAndPremiums(): Promise<void> {
  const sql = getDb();
  if ((await rowsIn('risk_scores')) === 0) {
    const inserted = await sql`
      INSERT INTO risk_scores (driver_id, scored_at, score, model_version, features, reasons)
      SELECT d.id, now(), s.score, ${PLACEHOLDER_MODEL},
             jsonb_build_object('distance_km', s.km, 'harsh_events_per_100km', s.harsh_rate, 'night_share', s.night_share),
             jsonb_build_array(jsonb_build_object(
               'feature', 'harsh_events_per_100km', 'value', s.harsh_rate, 'contribution', round((s.harsh_rate / 10)::numeric, 4),
               'description', 'Harsh braking, acceleration and cornering per 100 km'))
      FROM drivers d
      CROSS JOIN LATERAL (
        SELECT coalesce(sum(t.distance_km), 0) AS km,
               coalesce(sum(t.harsh_braking_count + t.harsh_acceleration_count + t.harsh_cornering_count), 0) AS harsh,
               coalesce(avg((extract(hour FROM t.started_at) NOT BETWEEN 6 AND 21)::int), 0) AS night
        FROM trips t WHERE t.driver_id = d.id
      ) agg
      CROSS JOIN LATERAL (
        SELECT round(agg.km::numeric, 1)::float8 AS km,
               round((100 * agg.harsh / greatest(agg.km, 1))::numeric, 3)::float8 AS harsh_rate,
               round(agg.night::numeric, 3)::float8 AS night_share,
               least(99, greatest(1, round((15 + 6 * 100 * agg.harsh / greatest(agg.km, 1) + 30 * agg.night)::numeric, 2))) AS score
      ) s`;
    console.log(`dataset: no risk scores yet (scoring is another branch): inserted ${inserted.count} placeholder scores (model_version ${PLACEHOLDER_MODEL})`);
  }
  if ((await rowsIn('premiums')) === 0) {
    const inserted = await sql`
      INSERT INTO premiums (driver_id, policy_id, risk_score_id, computed_at, base_amount, risk_factor, usage_factor, final_amount, score, details)
      SELECT p.driver_id, p.id, r.id, now(), p.base_premium, f.risk_factor, f.usage_factor,
             round(p.base_premium * f.risk_factor * f.usage_factor, 2), r.score,
             jsonb_build_object('distance_km', (r.features->>'distance_km')::float8, 'formula', 'base_amount * risk_factor * usage_factor',
                                'source', ${PLACEHOLDER_MODEL}::text)
      FROM (SELECT DISTINCT ON (driver_id) * FROM policies ORDER BY driver_id, start_date DESC) p
      JOIN (SELECT DISTINCT ON (driver_id) * FROM risk_scores ORDER BY driver_id, scored_at DESC) r ON r.driver_id = p.driver_id
      CROSS JOIN LATERAL (
        SELECT round(0.7 + r.score / 100 * 0.9, 4) AS risk_factor,
               round(least(1.3, greatest(0.8, 0.8 + (r.features->>'distance_km')::numeric / 3000)), 4) AS usage_factor
      ) f`;
    console.log(`dataset: no premiums yet (pricing is another branch): inserted ${inserted.count} placeholder premiums`);
  }
}

/** Every driver with a login, with a token and recent trips, in a seeded random Zipf order; and an admin. */
async function loadPopulation(seed: number): Promise<Population> {
  const sql = getDb();
  const rows = await sql<{ user_id: number; driver_id: number; trip_ids: string[] }[]>`
    SELECT u.id AS user_id, u.driver_id,
           array(SELECT t.id::text FROM trips t WHERE t.driver_id = u.driver_id ORDER BY t.started_at DESC LIMIT ${RECENT_TRIPS}) AS trip_ids
    FROM users u WHERE u.role = 'driver' AND u.active ORDER BY u.driver_id`;
  const [admin] = await sql<{ id: number }[]>`SELECT id FROM users WHERE role = 'admin' AND active ORDER BY id LIMIT 1`;
  if (!admin || rows.length === 0) throw new Error('the benchmark dataset has no admin or no driver logins');
  const drivers: BenchDriver[] = await Promise.all(
    rows.map(async (row) => ({
      driverId: row.driver_id,
      tripIds: row.trip_ids,
      token: (await issueToken({ userId: row.user_id, role: 'driver', driverId: row.driver_id })).token,
    })),
  );
  // Who is most active has nothing to do with who was created first.
  const random = seededRandom(seed);
  for (let i = drivers.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [drivers[i], drivers[j]] = [drivers[j]!, drivers[i]!];
  }
  const adminToken = (await issueToken({ userId: admin.id, role: 'admin', driverId: null })).token;
  return { drivers, adminToken };
}

/**
 * What the scoring run does after storing scores and prices: stores every driver's current score
 * and premium in the cache (L2, so every instance's first read is a hit). The benchmark plays that
 * run, in its own process as the scoring function is another instance.
 */
export async function warmAsScoringDoes(population: Population): Promise<void> {
  const driverIds = population.drivers.map((driver) => driver.driverId);
  await warmDriverRisk(driverIds);
  await warmDriverPremiums(driverIds);
  console.log(`cache: warmed the current risk score and premium of ${driverIds.length} drivers, as the scoring run does after scoring`);
}

/**
 * Makes sure the benchmark database holds the dataset (migrating and seeding as needed) and
 * returns who the benchmark plays. DATABASE_URL must already point at `databaseUrl`.
 */
export async function prepareDataset(databaseUrl: string, seed: number): Promise<Population> {
  await createDatabaseIfMissing(databaseUrl);
  await migrate({ databaseUrl });
  if (!(await hasDataset())) {
    await seedDataset(databaseUrl);
    if (!(await hasDataset())) throw new Error('seeding finished but the dataset marker is missing');
  }
  await ensureScoresAndPremiums();
  return loadPopulation(seed);
}
