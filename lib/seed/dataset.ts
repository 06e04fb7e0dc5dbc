import { hashPassword } from '../auth/index.js';
import { clearCaches } from '../cache/index.js';
import { getConfig } from '../config/index.js';
import { copyInto, createSqlClient, dbClientOptions, type Sql } from '../db/index.js';
import {
  CLAIMS, DRIVERS, EVENTS, POLICIES, TRIPS, USERS, VEHICLES,
  claimLine, driverLine, eventLine, policyLine, tripLine, userLine, vehicleLine,
  type UserRow,
} from './copy.js';
import { driverDayTrips, type DrivingOptions, type HarshThresholds } from './driving.js';
import { generateDriver, type SyntheticDriver } from './people.js';
import { fillDriverDaily } from '../trips/queries.js';


/**
 * Loads a synthetic dataset: drivers with vehicles, policies, logins and claims, then their trips
 * and events day by day. The same seed and end date give the same rows (password hashes aside,
 * which are salted). Events are generated per driver and day and streamed with COPY over parallel
 * connections, so memory stays flat whatever the size; days are written oldest first, which keeps
 * each partition's rows roughly in time order as live ingestion would.
 */

export const DEMO_ADMIN = { username: 'admin', password: 'admin123!' } as const;
export const DEMO_DRIVER_PASSWORD = 'driver123!';

export interface DatasetShape {
  drivers: number;
  days: number;
  seed: number;
  /** Exclusive end of the simulated period (trips start before it). */
  end: Date;
  /** Seconds between stored position events. */
  sampleIntervalS: number;
  /**
   * Store trips only, without their raw events (trips are still simulated from them, so every trip
   * row is the same as with events). For datasets whose readers need only trips (risk features,
   * the scoring benchmark), at a fraction of the time and disk.
   */
  tripsOnly?: boolean;
}

/** The small dataset a developer gets by default: seeds in seconds. */
export const DEMO_DATASET: Omit<DatasetShape, 'end'> = { drivers: 50, days: 14, seed: 42, sampleIntervalS: 5 };

export interface SeedOptions extends DatasetShape {
  /** Defaults to the configured DATABASE_URL. */
  databaseUrl?: string;
  /** Empty the product tables first; without it, seeding a database that has drivers is refused. */
  reset?: boolean;
  /** Parallel COPY connections for trips and events. */
  connections?: number;
  onProgress?: (progress: SeedProgress) => void;
}

export interface SeedProgress {
  driverDaysDone: number;
  driverDaysTotal: number;
  trips: number;
  events: number;
}

export interface SeedReport {
  drivers: number;
  vehicles: number;
  policies: number;
  users: number;
  claims: number;
  trips: number;
  events: number;
  /** Wall time of the whole run and of the trips+events phase, seconds. */
  totalSeconds: number;
  drivingSeconds: number;
  eventsPerSecond: number;
  /**
   * After a reset of the configured database: whether its caches were emptied (false: Redis was
   * unreachable, and the old rows' entries live until their TTL). Absent when there was nothing
   * to empty: no reset, or another database than the one the caches serve.
   */
  cachesCleared?: boolean;
}

const DAY_MS = 86_400_000;

/** Today at 00:00 UTC: the default end, so data is recent and a rerun on the same day is identical. */
export function startOfUtcDay(now = new Date()): Date {
  return new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
}

/** Tables the seed fills or clears, children before parents. */
const PRODUCT_TABLES = [
  'premiums', 'risk_scores', 'telematics_events', 'driver_daily', 'trips', 'dead_letters', 'users', 'policies', 'vehicles',
  'training.claims', 'training.synthetic_datasets', 'drivers',
] as const;

/** Every cache of the product (each domain's, by name): a reset replaces the data behind all of them. */
export const PRODUCT_CACHES = ['auth', 'dashboard', 'drivers', 'events', 'premiums', 'risk', 'trips'] as const;

/**
 * Why a seed was refused. The seed is a command-line and test tool, never behind an HTTP route, so
 * its errors are plain errors with a message for a terminal, not the HTTP-shaped lib/errors.
 */
export class SeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Seeding was refused because the stage is not a local one: a seed writes demo logins with
 * published passwords, and a reset empties every product table of whatever DATABASE_URL points at.
 */
export class SeedingNotAllowedError extends SeedError {
  constructor(readonly stage: string) {
    super(
      `Refusing to seed: STAGE=${stage}. Seeding writes demo logins with known passwords (and --reset empties every product table), ` +
        'so it runs only when STAGE is local or test.',
    );
  }
}

/** Loads the dataset into the database; refused unless the stage is local or test (checked before connecting). */
export async function seedDatabase(options: SeedOptions): Promise<SeedReport> {
  const config = getConfig();
  if (!config.isLocal) throw new SeedingNotAllowedError(config.stage);
  validateShape(options);
  const started = performance.now();
  const connections = options.connections ?? 2;
  const { sql } = createSqlClient(
    dbClientOptions({
      ...(options.databaseUrl ? { url: options.databaseUrl } : {}),
      max: connections,
      statementTimeoutMs: 0,
      applicationName: 'telematics-seed',
    }),
  );
  try {
    await prepare(sql, options.reset ?? false);
    const endMs = options.end.getTime();
    const firstDay = Math.floor(endMs / DAY_MS) - options.days;
    await sql`SELECT ensure_event_partitions(${new Date(firstDay * DAY_MS)}::date, ${new Date(endMs + DAY_MS)}::date)`;

    const drivers = Array.from({ length: options.drivers }, (_, index) => generateDriver(options.seed, index, options.end));
    const people = await writePeople(sql, drivers, options.end);

    const drivingStarted = performance.now();
    const thresholds: HarshThresholds = config.harsh;
    const driving: DrivingOptions = { seed: options.seed, sampleIntervalS: options.sampleIntervalS, thresholds, endMs };
    const storeEvents = !(options.tripsOnly ?? false);
    const progress: SeedProgress = { driverDaysDone: 0, driverDaysTotal: options.drivers * options.days, trips: 0, events: 0 };
    await Promise.all(
      Array.from({ length: connections }, (_, worker) =>
        writeDriving(sql, drivers.filter((_, i) => i % connections === worker), firstDay, options.days, driving, storeEvents, progress, options.onProgress),
      ),
    );
    // Trips were copied in bulk, past ingestion: their daily rollup (risk features) is filled once,
    // into the table `prepare` found or left empty (it holds rows of drivers only).
    await fillDriverDaily(sql);
    const drivingSeconds = (performance.now() - drivingStarted) / 1000;

    await sql`
      INSERT INTO training.synthetic_datasets (seed, drivers, days, end_at, sample_interval_s, trips, events)
      VALUES (${options.seed}, ${options.drivers}, ${options.days}, ${options.end}, ${options.sampleIntervalS}, ${progress.trips}, ${progress.events})`;
    // Fresh statistics and visibility map, as autovacuum would leave them some minutes later.
    await sql`VACUUM (ANALYZE) drivers, vehicles, policies, users, trips, driver_daily, telematics_events, training.claims`;
    // A reset restarts every id: an entry kept for the old driver 42 would answer for the new one.
    const servedByCaches = (options.databaseUrl ?? config.db.url) === config.db.url;
    const cachesCleared = options.reset && servedByCaches && config.cache.enabled ? { cachesCleared: await clearCaches(PRODUCT_CACHES) } : {};

    return {
      ...cachesCleared,
      ...people,
      trips: progress.trips,
      events: progress.events,
      totalSeconds: (performance.now() - started) / 1000,
      drivingSeconds,
      eventsPerSecond: drivingSeconds > 0 ? Math.round(progress.events / drivingSeconds) : 0,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function validateShape(options: DatasetShape): void {
  const problems = [
    !Number.isInteger(options.drivers) || options.drivers < 1 || options.drivers > 1_000_000 ? { field: 'drivers', message: 'expected an integer from 1 to 1000000' } : undefined,
    !Number.isInteger(options.days) || options.days < 1 || options.days > 400 ? { field: 'days', message: 'expected an integer from 1 to 400' } : undefined,
    !Number.isSafeInteger(options.seed) || options.seed < 0 ? { field: 'seed', message: 'expected a non-negative integer' } : undefined,
    Number.isNaN(options.end.getTime()) ? { field: 'end', message: 'expected a date' } : undefined,
    !Number.isInteger(options.sampleIntervalS) || options.sampleIntervalS < 1 || options.sampleIntervalS > 3600
      ? { field: 'sampleIntervalS', message: 'expected an integer from 1 to 3600' }
      : undefined,
  ].filter((p) => p !== undefined);
  if (problems.length > 0) throw new InvalidDatasetError(problems);
}

/** The dataset's shape is out of bounds; `problems` names each field. */
export class InvalidDatasetError extends SeedError {
  constructor(readonly problems: { field: string; message: string }[]) {
    super(`invalid dataset: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`);
  }
}

/** Seeding was refused because the database already holds drivers (and no reset was asked for). */
export class DatabaseNotEmptyError extends SeedError {
  constructor(readonly drivers: number) {
    super(`Refusing to seed: the database already has ${drivers} drivers. Run with --reset to replace all product data, or seed an empty database.`);
  }
}

async function prepare(sql: Sql, reset: boolean): Promise<void> {
  if (reset) {
    await sql`TRUNCATE ${sql([...PRODUCT_TABLES])} RESTART IDENTITY CASCADE`;
    return;
  }
  const [existing] = await sql<{ drivers: number }[]>`SELECT count(*)::int AS drivers FROM drivers`;
  if (existing && existing.drivers > 0) throw new DatabaseNotEmptyError(existing.drivers);
}

async function writePeople(sql: Sql, drivers: SyntheticDriver[], end: Date) {
  // One scrypt hash per distinct password: the KDF is deliberately slow, the demo logins share passwords.
  const [adminHash, driverHash] = await Promise.all([hashPassword(DEMO_ADMIN.password), hashPassword(DEMO_DRIVER_PASSWORD)]);
  const digits = Math.max(4, String(drivers.length).length);
  const users: UserRow[] = [
    { id: 1, username: DEMO_ADMIN.username, password_hash: adminHash, role: 'admin', driver_id: null, active: true, created_at: new Date(end.getTime() - 2_000 * DAY_MS) },
    ...drivers.map((d): UserRow => ({
      id: d.row.id + 1,
      username: `driver${String(d.row.id).padStart(digits, '0')}`,
      password_hash: driverHash,
      role: 'driver',
      driver_id: d.row.id,
      active: d.row.active,
      created_at: d.row.created_at,
    })),
  ];

  await copyInto(sql, DRIVERS, drivers.map((d) => driverLine(d.row)));
  await Promise.all([
    copyInto(sql, VEHICLES, drivers.flatMap((d) => d.vehicles.map((v) => vehicleLine(v, d.row.created_at)))),
    copyInto(sql, USERS, users.map(userLine)),
  ]);
  await Promise.all([
    copyInto(sql, POLICIES, drivers.flatMap((d) => d.policies.map(policyLine))),
    copyInto(sql, CLAIMS, drivers.flatMap((d) => d.claims.map(claimLine))),
  ]);
  // Explicit ids were written; move each identity past them so the product's inserts do not collide.
  for (const table of ['drivers', 'vehicles', 'policies', 'users', 'training.claims']) {
    await sql`SELECT setval(pg_get_serial_sequence(${table}, 'id'), (SELECT coalesce(max(id), 0) + 1 FROM ${sql(table)}), false)`;
  }
  return {
    drivers: drivers.length,
    vehicles: drivers.reduce((n, d) => n + d.vehicles.length, 0),
    policies: drivers.reduce((n, d) => n + d.policies.length, 0),
    users: users.length,
    claims: drivers.reduce((n, d) => n + d.claims.length, 0),
  };
}

/** One worker: for each day, oldest first, one COPY of its drivers' events (unless trips only), then one of their trips. */
async function writeDriving(
  sql: Sql,
  drivers: SyntheticDriver[],
  firstDay: number,
  days: number,
  driving: DrivingOptions,
  storeEvents: boolean,
  progress: SeedProgress,
  onProgress: ((progress: SeedProgress) => void) | undefined,
): Promise<void> {
  for (let day = firstDay; day < firstDay + days; day++) {
    const tripLines: string[] = [];
    function* eventChunks(): Generator<string> {
      for (const driver of drivers) {
        for (const { trip, events } of driverDayTrips(driver, day, driving)) {
          tripLines.push(tripLine(trip));
          progress.trips += 1;
          if (!storeEvents) continue;
          let chunk = '';
          for (const event of events) chunk += eventLine(event, trip);
          progress.events += events.length;
          yield chunk;
        }
        progress.driverDaysDone += 1;
        onProgress?.(progress);
      }
    }
    if (storeEvents) await copyInto(sql, EVENTS, eventChunks());
    else for (const _ of eventChunks()); // simulates the trips, collecting their rows
    if (tripLines.length > 0) await copyInto(sql, TRIPS, tripLines);
  }
}
