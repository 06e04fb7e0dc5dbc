import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resetConfig } from '../../../lib/config/index.js';
import {
  closeDb, createSqlClient, dbClientOptions, getDb, onQueryTiming, poolStats, timedQuery, withTransaction, type QueryTiming, type Sql,
} from '../../../lib/db/index.js';
import { TEST_DATABASE_URL, testSql } from '../../helpers/db.js';

const ENV_KEYS = ['DB_POOL_MAX', 'DB_STATEMENT_TIMEOUT_MS', 'DB_PREPARE'] as const;
const savedEnv = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));

/** Re-reads the configuration with `overrides` and drops the shared client so the next getDb() uses it. */
async function configure(overrides: Partial<Record<(typeof ENV_KEYS)[number], string>>): Promise<void> {
  await closeDb();
  for (const key of ENV_KEYS) {
    if (overrides[key] === undefined) delete process.env[key];
    else process.env[key] = overrides[key];
  }
  resetConfig();
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;

describe('database client', () => {
  beforeEach(() => configure({}));
  afterEach(() => closeDb());
  afterAll(async () => {
    for (const key of ENV_KEYS) {
      if (savedEnv[key] === undefined) delete process.env[key];
      else process.env[key] = savedEnv[key];
    }
    resetConfig();
    await closeDb();
  });

  it('sends small messages without Nagle delay: a one-row COPY is far faster than on a default postgres.js socket', async () => {
    const ours = createSqlClient(dbClientOptions({ max: 1 })).sql;
    const nagle = postgres(TEST_DATABASE_URL, { max: 1, onnotice: () => undefined });
    const copyOneRow = async (sql: Sql | postgres.Sql) => {
      const writable = await sql`COPY nagle_probe (n) FROM STDIN`.writable();
      await pipeline(Readable.from(['1\n']), writable);
    };
    const timeCopies = async (sql: Sql | postgres.Sql) => {
      await sql`CREATE TEMP TABLE nagle_probe (n integer)`;
      await copyOneRow(sql); // warm: connection and statement set up
      const durations: number[] = [];
      for (let i = 0; i < 7; i++) {
        const started = performance.now();
        await copyOneRow(sql);
        durations.push(performance.now() - started);
      }
      return median(durations);
    };
    try {
      // Measured together so machine load affects both alike; only their ratio is asserted.
      const withNagle = await timeCopies(nagle);
      const withNoDelay = await timeCopies(ours);

      expect(withNoDelay * 5).toBeLessThan(withNagle);
    } finally {
      await Promise.all([ours.end(), nagle.end()]);
    }
  });

  it('reuses one connection across sequential calls instead of opening new ones', async () => {
    const pids: number[] = [];
    for (let i = 0; i < 5; i++) {
      pids.push(await timedQuery('test.backend_pid', async (sql) => (await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`)[0]?.pid ?? -1));
    }

    expect(new Set(pids).size).toBe(1);
    expect(poolStats()).toMatchObject({ open: 1, busy: 0, idle: 1, waiting: 0 });
  });

  it('never opens more connections than its maximum and reports the queries waiting for one', async () => {
    await configure({ DB_POOL_MAX: '3' });
    const observed: ReturnType<typeof poolStats>[] = [];
    const sampler = setInterval(() => observed.push(poolStats()), 5);

    const pids = await Promise.all(
      Array.from({ length: 8 }, () =>
        timedQuery('test.sleep', async (sql) => (await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid, pg_sleep(0.15)`)[0]?.pid ?? -1),
      ),
    );
    clearInterval(sampler);

    expect(new Set(pids).size).toBeLessThanOrEqual(3);
    expect(Math.max(...observed.map((s) => s.open))).toBe(3);
    expect(observed.every((s) => s.max === 3 && s.busy <= 3 && s.busy + s.idle === s.open)).toBe(true);
    expect(observed.some((s) => s.busy === 3 && s.waiting === 5)).toBe(true);
    expect(poolStats()).toMatchObject({ busy: 0, waiting: 0 });
  });

  it('reports the duration and outcome of every named query to timing listeners until unsubscribed', async () => {
    const timings: QueryTiming[] = [];
    const unsubscribe = onQueryTiming((timing) => timings.push(timing));

    await timedQuery('test.ok', (sql) => sql`SELECT 1`);
    await expect(timedQuery('test.failing', (sql) => sql`SELECT * FROM no_such_table`)).rejects.toThrow(/no_such_table/);
    unsubscribe();
    await timedQuery('test.after_unsubscribe', (sql) => sql`SELECT 1`);

    expect(timings.map(({ name, ok }) => ({ name, ok }))).toEqual([
      { name: 'test.ok', ok: true },
      { name: 'test.failing', ok: false },
    ]);
    expect(timings.every((t) => t.durationMs >= 0)).toBe(true);
  });

  it('commits a transaction that succeeds and rolls back one that throws', async () => {
    const table = `db_client_tx_${randomBytes(4).toString('hex')}`;
    const admin = testSql();
    await admin`CREATE TABLE ${admin(table)} (label text NOT NULL)`;
    try {
      await withTransaction(async (tx) => {
        await tx`INSERT INTO ${tx(table)} (label) VALUES ('committed')`;
      });
      await expect(
        withTransaction(async (tx) => {
          await tx`INSERT INTO ${tx(table)} (label) VALUES ('rolled back')`;
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');

      const rows = await admin<{ label: string }[]>`SELECT label FROM ${admin(table)}`;
      expect(rows.map((r) => r.label)).toEqual(['committed']);
    } finally {
      await admin`DROP TABLE ${admin(table)}`;
      await admin.end();
    }
  });

  it('returns bigint and numeric values as numbers and refuses an int8 a number cannot hold exactly', async () => {
    const sql = getDb();

    const [row] = await sql`SELECT 9007199254740991::bigint AS largest, 1234.56::numeric(10,2) AS amount, count(*) AS counted FROM generate_series(1, 3)`;

    expect(row).toEqual({ largest: 9007199254740991, amount: 1234.56, counted: 3 });
    await expect(sql`SELECT 9007199254740993::bigint AS too_large`).rejects.toThrow(/does not fit/);
  });

  it('cancels a statement that runs longer than the configured statement timeout', async () => {
    await configure({ DB_STATEMENT_TIMEOUT_MS: '200' });

    await expect(getDb()`SELECT pg_sleep(5)`).rejects.toMatchObject({ code: '57014' });
  });

  it('creates no server-side prepared statements when prepare is disabled for a transaction-mode proxy', async () => {
    await configure({ DB_PREPARE: 'false', DB_POOL_MAX: '1' });
    const sql = getDb();

    await sql`SELECT ${1}::int AS one`;
    const [row] = await sql<{ prepared: number }[]>`SELECT count(*)::int AS prepared FROM pg_prepared_statements`;

    expect(row?.prepared).toBe(0);
  });

  it('prepares statements by default', async () => {
    await configure({ DB_POOL_MAX: '1' });
    const sql = getDb();

    await sql`SELECT ${1}::int AS one`;
    const [row] = await sql<{ prepared: number }[]>`SELECT count(*)::int AS prepared FROM pg_prepared_statements`;

    expect(row?.prepared).toBeGreaterThan(0);
  });
});
