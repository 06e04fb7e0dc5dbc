import { createSqlClient, dbClientOptions } from '../../lib/db/index.js';
import { migrate } from '../../lib/db/migrate.js';
import { seedDatabase, type DatasetShape } from '../../lib/seed/index.js';

/**
 * A database of its own holding a trips-only synthetic dataset (trips without raw events: enough
 * for risk features), for the model training and the scoring benchmark. Created, migrated and
 * seeded on first use; reused as long as it holds exactly `shape` (seeding 10,000 drivers x 90
 * days simulates two million trips, minutes of CPU).
 */
export async function ensureTripsDataset(url: string, shape: DatasetShape, log: (line: string) => void): Promise<'reused' | 'seeded'> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  const server = new URL(url);
  server.pathname = '/postgres';
  const admin = createSqlClient(dbClientOptions({ url: server.toString(), max: 1, statementTimeoutMs: 0 })).sql;
  try {
    const [exists] = await admin`SELECT 1 FROM pg_database WHERE datname = ${name}`;
    if (!exists) await admin`CREATE DATABASE ${admin(name)}`;
  } finally {
    await admin.end({ timeout: 5 });
  }
  await migrate({ databaseUrl: url, log });

  const sql = createSqlClient(dbClientOptions({ url, max: 1, statementTimeoutMs: 0 })).sql;
  try {
    const [held] = await sql<{ n: number }[]>`
      SELECT count(*)::int AS n FROM training.synthetic_datasets
      WHERE seed = ${shape.seed} AND drivers = ${shape.drivers} AND days = ${shape.days} AND end_at = ${shape.end.toISOString()}::text::timestamptz
        AND events = 0`;
    if ((held?.n ?? 0) > 0) return 'reused';
  } finally {
    await sql.end({ timeout: 5 });
  }
  log(`seeding ${shape.drivers} drivers x ${shape.days} days (seed ${shape.seed}, trips only: no raw events are stored) into ${name}; this takes minutes`);
  const report = await seedDatabase({ ...shape, tripsOnly: true, reset: true, databaseUrl: url });
  log(`seeded ${report.trips} trips in ${report.totalSeconds.toFixed(0)} s`);
  return 'seeded';
}
