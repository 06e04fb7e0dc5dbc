import net from 'node:net';
import postgres from 'postgres';

/**
 * Column types whose JavaScript representation we choose ourselves (see `valueTypes`).
 * `Sql` is the one client type used across the code base.
 */
export type DbValueTypes = { bigint: number; numeric: number };
export type Sql = postgres.Sql<DbValueTypes>;
export type TransactionSql = postgres.TransactionSql<DbValueTypes>;
export type ReservedSql = postgres.ReservedSql<DbValueTypes>;

export interface SqlClientOptions {
  url: string;
  /** Upper bound on open connections of this client. */
  max: number;
  idleTimeoutS: number;
  connectTimeoutS: number;
  /** 0 disables the limit (bulk loads, migrations). Where it is applied depends on `prepare`, see `sendsStatementTimeoutAtStartup`. */
  statementTimeoutMs: number;
  maxLifetimeS: number;
  /**
   * Named prepared statements. false means the client talks to a transaction-mode pooler (RDS Proxy,
   * PgBouncer), which cannot keep per-client prepared statements nor unknown startup parameters.
   */
  prepare: boolean;
  applicationName: string;
  /** Called with the text of every statement the client sends (postgres.js `debug`), e.g. to count round trips. */
  onStatement?: (statement: string) => void;
}

/** Live socket count of one client, kept by the socket factory below (it sees every connect and close). */
export interface SocketTracker {
  open: number;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * int8 and numeric arrive as strings by default. Every int8 in this schema is an identity id or a
 * count, far below 2^53, so a JavaScript number is exact; a value that is not exact fails loudly
 * instead of being rounded. numeric columns hold money (2 decimals), scores and factors: they are
 * computed in SQL and only displayed or compared in JavaScript, where a double is precise enough.
 */
const valueTypes = {
  bigint: {
    to: INT8_OID,
    from: [INT8_OID],
    serialize: (value: number) => String(value),
    parse: (raw: string): number => {
      const value = Number(raw);
      if (!Number.isSafeInteger(value)) throw new RangeError(`int8 value ${raw} does not fit a JavaScript number exactly`);
      return value;
    },
  },
  numeric: {
    to: NUMERIC_OID,
    from: [NUMERIC_OID],
    serialize: (value: number) => String(value),
    parse: (raw: string): number => Number(raw),
  },
} satisfies Record<string, postgres.PostgresType>;

/** What postgres.js hands the `socket` option: its parsed options, of which we read these. */
interface SocketFactoryInput {
  host: string[];
  port: number[];
  path: string | false;
}

/**
 * Opens one TCP (or Unix) connection with Nagle's algorithm off. postgres.js leaves Nagle on, so a
 * small message written right after another (a COPY row after the COPY command, a Sync after a
 * Bind) waits for the previous ACK: a one-row COPY measured 88 ms with the default socket and 1.3 ms
 * with no-delay. The `socket` option is the only hook postgres.js offers: it calls the factory for
 * every (re)connection and expects a socket that is already connected (it then performs TLS and the
 * startup handshake itself), so the factory owns the connect timeout and multi-host fallback.
 */
function noDelaySocketFactory(connectTimeoutMs: number, tracker: SocketTracker) {
  return async ({ host, port, path }: SocketFactoryInput): Promise<net.Socket> => {
    const targets: net.NetConnectOpts[] = path ? [{ path }] : host.map((h, i) => ({ host: h, port: port[i] ?? port[0] ?? 5432 }));
    let lastError: unknown;
    for (const target of targets) {
      try {
        const socket = await connectWithTimeout(target, connectTimeoutMs);
        socket.setNoDelay(true);
        tracker.open += 1;
        socket.once('close', () => {
          tracker.open -= 1;
        });
        return socket;
      } catch (error) {
        lastError = error;
      }
    }
    throw lastError;
  };
}

function connectWithTimeout(target: net.NetConnectOpts, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ ...target, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      const where = 'path' in target ? target.path : `${target.host}:${target.port}`;
      reject(Object.assign(new Error(`connect to PostgreSQL at ${where} timed out after ${timeoutMs} ms`), { code: 'CONNECT_TIMEOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', onError);
      resolve(socket);
    });
    const onError = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    socket.once('error', onError);
  });
}

/**
 * Whether the statement timeout travels in the startup packet. It does on a direct connection. A
 * transaction-mode pooler (`prepare: false`) refuses unknown startup parameters (PgBouncer, unless
 * told to drop them with ignore_startup_parameters, which loses the timeout silently), so there
 * `withTransaction` applies it with SET LOCAL instead, and a single statement outside a transaction
 * runs under the role's default: deployments behind a pooler set one with
 * `ALTER ROLE ... SET statement_timeout = ...`.
 */
export function sendsStatementTimeoutAtStartup(options: Pick<SqlClientOptions, 'prepare'>): boolean {
  return options.prepare;
}

/**
 * Creates a postgres.js client with this project's conventions: bounded pool, timeouts,
 * no-delay sockets, numeric types as numbers, and no session state that a connection proxy
 * would have to preserve (settings travel in the startup packet or per transaction, never as a
 * session-wide `SET`).
 */
export function createSqlClient(options: SqlClientOptions): { sql: Sql; sockets: SocketTracker } {
  const sockets: SocketTracker = { open: 0 };
  const clientOptions: postgres.Options<typeof valueTypes> & { socket: ReturnType<typeof noDelaySocketFactory> } = {
    max: options.max,
    idle_timeout: options.idleTimeoutS,
    connect_timeout: options.connectTimeoutS,
    max_lifetime: options.maxLifetimeS,
    prepare: options.prepare,
    types: valueTypes,
    // NOTICEs (e.g. "relation already exists, skipping") are expected from idempotent DDL.
    onnotice: () => undefined,
    connection: {
      application_name: options.applicationName,
      ...(sendsStatementTimeoutAtStartup(options) ? { statement_timeout: options.statementTimeoutMs } : {}),
    },
    socket: noDelaySocketFactory(options.connectTimeoutS * 1000, sockets),
    ...(options.onStatement ? { debug: (_connection: number, statement: string) => options.onStatement?.(statement) } : {}),
  };
  const sql: Sql = postgres(options.url, clientOptions);
  return { sql, sockets };
}
