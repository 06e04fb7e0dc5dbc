import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  closeDb, createSqlClient, dbClientOptions, getDb, onQueryTiming, poolStats, timedQuery, withTransaction, type QueryTiming, type ReservedSql,
} from '../../../lib/db/index.js';
import { setEnv } from '../../helpers/config.js';
import { testSql } from '../../helpers/db.js';

const ENV_KEYS = ['DB_POOL_MAX', 'DB_STATEMENT_TIMEOUT_MS', 'DB_PREPARE'] as const;
let restoreEnv = (): void => {};

/** Re-reads the configuration with `overrides` and drops the shared client so the next getDb() uses it. */
async function configure(overrides: Partial<Record<(typeof ENV_KEYS)[number], string>>): Promise<void> {
  await closeDb();
  restoreEnv();
  restoreEnv = setEnv({ ...Object.fromEntries(ENV_KEYS.map((key) => [key, undefined])), ...overrides });
}

describe('database client', () => {
  beforeEach(() => configure({}));
  afterEach(() => closeDb());
  afterAll(async () => {
    restoreEnv();
    await closeDb();
  });

  it("turns Nagle's algorithm off on every connection of the pool", async () => {
    const setNoDelay = vi.spyOn(net.Socket.prototype, 'setNoDelay');
    const applicationName = `telematics-nodelay-${randomBytes(4).toString('hex')}`;
    const { sql } = createSqlClient(dbClientOptions({ max: 3, applicationName }));
    const admin = testSql();
    const reserved: ReservedSql[] = [];
    try {
      for (let i = 0; i < 3; i++) reserved.push(await sql.reserve());
      // The last setNoDelay call on each socket decides its state; keyed by the socket's local port.
      const noDelayByPort = new Map<number | undefined, boolean>();
      setNoDelay.mock.contexts.forEach((socket, i) => noDelayByPort.set((socket as net.Socket).localPort, setNoDelay.mock.calls[i]?.[0] !== false));

      // The server's view: every backend of this client, by the client port of its TCP connection.
      const backends = await admin<{ client_port: number }[]>`
        SELECT client_port FROM pg_stat_activity WHERE application_name = ${applicationName} ORDER BY client_port`;
      const reservedPorts = await Promise.all(reserved.map(async (connection) => (await connection<{ port: number }[]>`SELECT inet_client_port() AS port`)[0]?.port));

      expect(backends).toHaveLength(3);
      expect([...reservedPorts].sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(backends.map((b) => b.client_port));
      expect(backends.map((b) => noDelayByPort.get(b.client_port))).toEqual([true, true, true]);
    } finally {
      setNoDelay.mockRestore();
      for (const connection of reserved) connection.release();
      await Promise.all([sql.end(), admin.end()]);
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

  it('cancels a statement that runs longer than the configured statement timeout, set for the session at connect', async () => {
    await configure({ DB_STATEMENT_TIMEOUT_MS: '200' });

    await expect(getDb()`SELECT pg_sleep(5)`).rejects.toMatchObject({ code: '57014' });
    const [setting] = await getDb()<{ setting: string; source: string }[]>`SELECT setting, source FROM pg_settings WHERE name = 'statement_timeout'`;
    expect(setting).toEqual({ setting: '200', source: 'client' });
  });

  it('behind a pooler (prepare off) sends no statement timeout at connect and applies it to each transaction with SET LOCAL', async () => {
    await configure({ DB_PREPARE: 'false', DB_POOL_MAX: '1', DB_STATEMENT_TIMEOUT_MS: '200' });
    const sql = getDb();
    const sessionSetting = () => sql<{ pid: number; setting: string; source: string }[]>`
      SELECT pg_backend_pid() AS pid, setting, source FROM pg_settings WHERE name = 'statement_timeout'`;

    const inTransaction = await withTransaction(async (tx) => (await tx<{ timeout: string }[]>`SELECT current_setting('statement_timeout') AS timeout`)[0]);
    const slowTransaction = withTransaction((tx) => tx`SELECT pg_sleep(5)`);

    expect(inTransaction).toEqual({ timeout: '200ms' });
    await expect(slowTransaction).rejects.toMatchObject({ code: '57014' });
    // Outside a transaction, on the same connection, the server's own default applies: nothing came
    // from the startup packet (source 'client') and nothing outlived a transaction.
    const [before] = await sessionSetting();
    await withTransaction((tx) => tx`SELECT 1`);
    const [after] = await sessionSetting();
    expect(before?.source).not.toBe('client');
    expect(before?.setting).not.toBe('200');
    expect(after).toEqual(before);
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
