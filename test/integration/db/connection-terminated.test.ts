import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeDb, withTransaction, type Sql, type TransactionSql } from '../../../lib/db/index.js';
import { setEnv } from '../../helpers/config.js';
import { testSql } from '../../helpers/db.js';

/**
 * A transaction whose backend dies mid-way (pg_terminate_backend here; a PostgreSQL restart or a
 * failover in production). postgres.js 3.4.9 answers the failed callback with its own ROLLBACK on
 * the closed connection: the write lands on a socket it already dropped and throws a TypeError from
 * a timer, where nothing can catch it, so the process dies (porsager/postgres#1208), and the
 * connection then hangs; a statement the callback still sends after the loss runs, outside any
 * transaction, on the connection once it reconnects. patches/postgres+3.4.9.patch fixes all three
 * inside postgres.js, for `withTransaction` and for every direct `sql.begin` (partition
 * maintenance) alike; these tests prove it against the real server, through both.
 */

type Begin = <T>(fn: (tx: TransactionSql) => Promise<T>) => Promise<T>;

interface Runner {
  name: string;
  /** Opens a client of one connection and returns how to begin a transaction and run a query on it. */
  open: () => { begin: Begin; query: () => Promise<number> };
  close: () => Promise<void>;
}

let own: Sql | undefined;
let restoreEnv = (): void => {};

const runners: Runner[] = [
  {
    name: 'withTransaction',
    open: () => {
      restoreEnv = setEnv({ DB_POOL_MAX: '1' });
      return {
        begin: (fn) => withTransaction(fn, 'test.connection_terminated'),
        query: () => withTransaction(async (tx) => backendPid(tx)),
      };
    },
    close: async () => {
      await closeDb();
      restoreEnv();
      restoreEnv = () => {};
    },
  },
  {
    name: 'sql.begin',
    open: () => {
      const sql = testSql(undefined, 1);
      own = sql;
      return { begin: <T>(fn: (tx: TransactionSql) => Promise<T>) => sql.begin(fn) as Promise<T>, query: () => backendPid(sql) };
    },
    close: async () => {
      await own?.end({ timeout: 5 });
      own = undefined;
    },
  },
];

async function backendPid(sql: Sql | TransactionSql): Promise<number> {
  const [row] = await sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  if (!row) throw new Error('pg_backend_pid() returned no row');
  return row.pid;
}

describe.each(runners)('a transaction whose connection is terminated mid-way ($name)', (runner) => {
  const admin = testSql();
  const table = `connection_terminated_${randomBytes(4).toString('hex')}`;
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);

  beforeAll(() => admin.unsafe(`CREATE TABLE ${table} (note text NOT NULL)`));
  afterAll(async () => {
    await admin.unsafe(`DROP TABLE IF EXISTS ${table}`);
    await admin.end({ timeout: 5 });
  });
  beforeEach(() => {
    uncaught.length = 0;
    process.on('uncaughtException', onUncaught);
  });
  afterEach(async () => {
    process.off('uncaughtException', onUncaught);
    await runner.close();
  });

  async function terminate(pid: number): Promise<void> {
    const [row] = await admin<{ done: boolean }[]>`SELECT pg_terminate_backend(${pid}) AS done`;
    expect(row?.done).toBe(true);
  }

  it('rejects with CONNECTION_CLOSED, throws nothing uncaught, and the next transaction runs on a new backend', async () => {
    const { begin } = runner.open();
    const started = Promise.withResolvers<number>();
    const transaction = begin(async (tx) => {
      started.resolve(await backendPid(tx));
      await tx`SELECT pg_sleep(30)`;
    });
    const outcome = transaction.then(() => undefined, (error: unknown) => error);
    const pid = await started.promise;
    await terminate(pid);

    expect(await outcome).toMatchObject({ code: 'CONNECTION_CLOSED' });
    // Unpatched, the ROLLBACK's write throws from a setImmediate after the rejection.
    await sleep(100);
    expect(uncaught).toEqual([]);
    // The connection comes back, and the dead backend's error does not reach the next session.
    const next = await begin(async (tx) => backendPid(tx));
    expect(next).not.toBe(pid);
  });

  it('never runs a statement the callback sends after the loss, even once the connection has reconnected', async () => {
    const { begin, query } = runner.open();
    const started = Promise.withResolvers<number>();
    const reconnected = Promise.withResolvers<void>();
    const late: { error?: unknown } = {};
    const transaction = begin(async (tx) => {
      started.resolve(await backendPid(tx));
      await tx`SELECT pg_sleep(30)`.catch(() => undefined);
      await reconnected.promise;
      await tx`INSERT INTO ${tx(table)} (note) VALUES ('written after the connection was lost')`.catch((error: unknown) => {
        late.error = error;
      });
    });
    const outcome = transaction.then(() => undefined, (error: unknown) => error);
    const pid = await started.promise;
    // Waits for the one connection, which the pool reopens for it once the transaction's backend is gone.
    const waiting = query();
    await terminate(pid);
    expect(await waiting).not.toBe(pid);
    reconnected.resolve();

    expect(await outcome).toMatchObject({ code: 'CONNECTION_CLOSED' });
    await expect.poll(() => late.error).toMatchObject({ code: 'CONNECTION_CLOSED' });
    expect(await admin`SELECT note FROM ${admin(table)}`).toEqual([]);
    await sleep(100);
    expect(uncaught).toEqual([]);
  });
});

/**
 * A reserved connection (sql.reserve: migrations, partition maintenance's lock) whose backend dies:
 * a statement its holder still sends (an unlock in a `finally`) belongs to the lost session and is
 * rejected alone. Patched only in `nextWrite`, it also rejected the innocent query the pool was
 * reopening the connection for.
 */
describe('a reserved connection whose backend is terminated', () => {
  it('rejects the holder\'s later statement alone; a query waiting for the pool runs on a new backend', async () => {
    const admin = testSql();
    const sql = testSql(undefined, 1);
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const holder = await sql.reserve();
      const pid = await backendPid(holder);
      const waiting = backendPid(sql).then((next) => ({ next }), (error: unknown) => ({ error }));
      const sleeping = holder`SELECT pg_sleep(30)`.then(() => undefined, (error: unknown) => error);
      await sleep(100);
      await admin`SELECT pg_terminate_backend(${pid})`;

      expect(await sleeping).toMatchObject({ code: 'CONNECTION_CLOSED' });
      const unlock = await holder`SELECT 'unlock'`.then(() => undefined, (error: unknown) => error);
      expect(unlock).toMatchObject({ code: 'CONNECTION_CLOSED' });
      const other = await waiting;
      expect(other).not.toHaveProperty('error');
      expect((other as { next: number }).next).not.toBe(pid);
      holder.release();
      await sleep(100);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await sql.end({ timeout: 5 });
      await admin.end({ timeout: 5 });
    }
  });
});
