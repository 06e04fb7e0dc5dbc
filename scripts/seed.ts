/**
 * npm run seed [-- --drivers 1000 --days 30 --seed 42 --end 2026-11-22 --sample-interval 5 --reset --trips-only]
 *
 * Loads a synthetic dataset into DATABASE_URL (default: the demo dataset, 50 drivers x 14 days).
 * The same --seed and --end give the same data; --end defaults to today 00:00 UTC, so the data is
 * recent. A database that already has drivers is refused unless --reset is given, which empties
 * every product table first (and, for the configured database, empties its caches in Redis and in
 * every running instance); --if-empty leaves such a database as it is and succeeds (npm run dev).
 * Refused unless STAGE is set explicitly (scripts/lib/stage.ts) and is local or test: the demo
 * logins have published passwords.
 */
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { getConfig, redactUrl } from '../lib/config/index.js';
import { closeRedis } from '../lib/redis/index.js';
import { DEMO_ADMIN, DEMO_DATASET, DEMO_DRIVER_PASSWORD, DatabaseNotEmptyError, seedDatabase, startOfUtcDay } from '../lib/seed/index.js';
import { requireExplicitStage } from './lib/stage.js';

const { values } = parseArgs({
  options: {
    drivers: { type: 'string' },
    days: { type: 'string' },
    seed: { type: 'string' },
    end: { type: 'string' },
    'sample-interval': { type: 'string' },
    connections: { type: 'string' },
    reset: { type: 'boolean', default: false },
    // Trips without their raw events (datasets for risk features and the scoring benchmark).
    'trips-only': { type: 'boolean', default: false },
    'if-empty': { type: 'boolean', default: false },
    'database-url': { type: 'string' },
  },
});

const integer = (name: string, raw: string | undefined, fallback: number): number => {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new Error(`--${name}: expected an integer, got "${raw}"`);
  return value;
};

function parseEnd(raw: string | undefined): Date {
  if (raw === undefined) return startOfUtcDay();
  const end = new Date(/^\d{4}-\d{2}-\d{2}$/.test(raw) ? `${raw}T00:00:00Z` : raw);
  if (Number.isNaN(end.getTime())) throw new Error(`--end: expected a date such as 2026-11-22, got "${raw}"`);
  return end;
}

const bar = new cliProgress.SingleBar(
  { format: 'seeding [{bar}] {percentage}% | {value}/{total} driver-days | {trips} trips | {events} events | {rate} events/s', hideCursor: true },
  cliProgress.Presets.shades_classic,
);

try {
  requireExplicitStage(`seeding writes demo data to ${redactUrl(values['database-url'] ?? getConfig().db.url)}`);
  const shape = {
    drivers: integer('drivers', values.drivers, DEMO_DATASET.drivers),
    days: integer('days', values.days, DEMO_DATASET.days),
    seed: integer('seed', values.seed, DEMO_DATASET.seed),
    end: parseEnd(values.end),
    sampleIntervalS: integer('sample-interval', values['sample-interval'], DEMO_DATASET.sampleIntervalS),
    tripsOnly: values['trips-only'],
  };
  console.log(
    `seeding ${shape.drivers} drivers x ${shape.days} days ending ${shape.end.toISOString()} (seed ${shape.seed}, ${shape.tripsOnly ? 'trips only, no raw events stored' : `positions every ${shape.sampleIntervalS} s`})`,
  );
  const drivingStarted = performance.now();
  let started = false;
  const report = await seedDatabase({
    ...shape,
    reset: values.reset,
    connections: integer('connections', values.connections, 2),
    ...(values['database-url'] ? { databaseUrl: values['database-url'] } : {}),
    onProgress: (p) => {
      if (!started) {
        bar.start(p.driverDaysTotal, 0, { trips: 0, events: 0, rate: 0 });
        started = true;
      }
      const seconds = (performance.now() - drivingStarted) / 1000;
      bar.update(p.driverDaysDone, { trips: p.trips, events: p.events, rate: Math.round(p.events / Math.max(seconds, 0.001)) });
    },
  });
  bar.stop();
  console.log(
    `seeded ${report.drivers} drivers, ${report.vehicles} vehicles, ${report.policies} policies, ${report.users} users, ` +
      `${report.claims} claims, ${report.trips} trips, ${report.events} events`,
  );
  console.log(
    `events written at ${report.eventsPerSecond} events/s (${report.drivingSeconds.toFixed(1)} s for trips and events, ${report.totalSeconds.toFixed(1)} s in total)`,
  );
  if (report.cachesCleared === true) console.log(`emptied the caches (${getConfig().cache.prefix}) of the data the reset replaced`);
  if (report.cachesCleared === false) {
    console.warn('could not reach Redis to empty the caches: answers cached for the replaced data are served until they expire (at most 30 min)');
  }
  console.log(`logins: ${DEMO_ADMIN.username} / ${DEMO_ADMIN.password}, driver0001 / ${DEMO_DRIVER_PASSWORD}`);
} catch (error) {
  bar.stop();
  if (values['if-empty'] && error instanceof DatabaseNotEmptyError) {
    console.log(`the database already has ${error.drivers} drivers: not seeding (--if-empty)`);
  } else {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
} finally {
  await closeRedis();
}
