import { getConfig } from '../config/index.js';
import { createSqlClient, sendsStatementTimeoutAtStartup, type SocketTracker, type Sql, type SqlClientOptions, type TransactionSql } from './client.js';


/**
 * The instance's PostgreSQL access. One postgres.js client per function instance, created on
 * first use from `getConfig().db` and reused by warm invocations. Every query is written with
 * the client's tagged template; `sql.unsafe` is reserved for trusted DDL (migrations, maintenance).
 */

export interface PoolStats {
  /** Configured upper bound on connections. */
  max: number;
  /** Connections currently open. */
  open: number;
  /** Open connections running a query or holding a transaction. */
  busy: number;
  /** Open connections with nothing to do. */
  idle: number;
  /** Queries and transactions waiting for a connection (or queued behind another on one). */
  waiting: number;
}

export interface QueryTiming {
  /** The stable name given to `timedQuery` / `withTransaction`, e.g. `drivers.list`. */
  name: string;
  durationMs: number;
  ok: boolean;
}

export type QueryTimingListener = (timing: QueryTiming) => void;

interface SharedClient {
  sql: Sql;
  sockets: SocketTracker;
  max: number;
  /** Set when the statement timeout is not in the startup packet (behind a pooler): applied per transaction. */
  transactionStatementTimeoutMs: number | undefined;
}

let shared: SharedClient | undefined;
let inFlight = 0;
const timingListeners = new Set<QueryTimingListener>();
const statementListeners = new Set<(statement: string) => void>();

/** Client settings from the configuration; scripts override what they need (e.g. no statement timeout). */
export function dbClientOptions(overrides: Partial<SqlClientOptions> = {}): SqlClientOptions {
  const { db, serviceName, stage } = getConfig();
  return {
    url: db.url,
    max: db.poolMax,
    idleTimeoutS: db.idleTimeoutS,
    connectTimeoutS: db.connectTimeoutS,
    statementTimeoutMs: db.statementTimeoutMs,
    maxLifetimeS: db.maxLifetimeS,
    prepare: db.prepare,
    applicationName: `${serviceName}-${stage}`,
    ...overrides,
  };
}

/** The instance's shared client (created lazily; no connection is opened until the first query). */
export function getDb(): Sql {
  if (!shared) {
    const options = dbClientOptions({ onStatement: emitStatement });
    shared = {
      ...createSqlClient(options),
      max: options.max,
      transactionStatementTimeoutMs: sendsStatementTimeoutAtStartup(options) ? undefined : options.statementTimeoutMs,
    };
  }
  return shared.sql;
}

/** Closes the shared client's connections; the next `getDb()` creates a fresh client. For scripts and tests. */
export async function closeDb(): Promise<void> {
  const client = shared;
  shared = undefined;
  if (client) await client.sql.end({ timeout: 5 });
}

/**
 * Subscribes to every statement the shared client sends (its SQL text), e.g. to count the round
 * trips of a request; returns the unsubscribe function.
 */
export function onStatement(listener: (statement: string) => void): () => void {
  statementListeners.add(listener);
  return () => statementListeners.delete(listener);
}

function emitStatement(statement: string): void {
  for (const listener of statementListeners) listener(statement);
}

/** Subscribes to the duration of every named query and transaction; returns the unsubscribe function. */
export function onQueryTiming(listener: QueryTimingListener): () => void {
  timingListeners.add(listener);
  return () => timingListeners.delete(listener);
}

/**
 * Runs one named database operation on the shared client, timing it for the query-duration
 * listeners and counting it for `poolStats()`. Library query functions go through here so every
 * product query is measured under a stable name.
 */
export async function timedQuery<T>(name: string, run: (sql: Sql) => Promise<T>): Promise<T> {
  const sql = getDb();
  const started = performance.now();
  inFlight += 1;
  let ok = false;
  try {
    const result = await run(sql);
    ok = true;
    return result;
  } finally {
    inFlight -= 1;
    emitTiming({ name, durationMs: performance.now() - started, ok });
  }
}

/**
 * Runs `fn` in one transaction (`BEGIN` ... `COMMIT`, `ROLLBACK` on error) on one pooled connection.
 * Behind a pooler the statement timeout is set here, for this transaction only (SET LOCAL ends with
 * it, so no setting outlives the transaction on a server connection the pooler hands to others);
 * see `sendsStatementTimeoutAtStartup` for statements outside transactions. When the connection is
 * lost mid-way it rejects with the close error and writes nothing more on that connection
 * (patches/postgres+3.4.9.patch; test/integration/db/connection-terminated.test.ts).
 */
export function withTransaction<T>(fn: (tx: TransactionSql) => Promise<T>, name = 'transaction'): Promise<T> {
  return timedQuery(name, (sql) => {
    const timeoutMs = shared?.transactionStatementTimeoutMs;
    // postgres.js types `begin` as resolving to an UnwrapPromiseArray of the callback's result;
    // for a callback returning Promise<T> that is T.
    return sql.begin(async (tx) => {
      // set_config(..., true) is SET LOCAL with the value as a bound parameter.
      if (timeoutMs !== undefined) await tx`SELECT set_config('statement_timeout', ${String(timeoutMs)}, true)`;
      return fn(tx);
    }) as Promise<T>;
  });
}

/**
 * Pool usage of the shared client. postgres.js keeps its connection queues private, so the figures
 * are derived from what this module observes rather than read from internals that may change:
 * `open` counts the live sockets our socket factory created (it sees every connect and close);
 * in-flight operations are counted by `timedQuery`/`withTransaction`. An operation occupies one
 * connection when one is open, otherwise it waits (postgres.js queues it, or pipelines it behind
 * another query on a busy connection, which is waiting too). Queries issued directly on `getDb()`
 * outside those helpers are not counted as busy.
 */
export function poolStats(): PoolStats {
  if (!shared) return { max: getConfig().db.poolMax, open: 0, busy: 0, idle: 0, waiting: 0 };
  const open = shared.sockets.open;
  const busy = Math.min(inFlight, open);
  return { max: shared.max, open, busy, idle: open - busy, waiting: inFlight - busy };
}

function emitTiming(timing: QueryTiming): void {
  for (const listener of timingListeners) {
    try {
      listener(timing);
    } catch {
      // A metrics listener must never fail the query it observes.
    }
  }
}
