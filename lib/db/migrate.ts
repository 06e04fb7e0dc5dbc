import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Postgrator from 'postgrator';
import { createSqlClient, type ReservedSql } from './client.js';
import { dbClientOptions } from './pool.js';

/**
 * Applies the numbered SQL files of `migrations/` with postgrator, which discovers the files,
 * records each applied version with its checksum in `schema_migrations`, and refuses to go on when
 * an applied file was edited. postgrator takes no lock and leaves transactions to the caller, so
 * this runner adds both: every postgrator statement goes through ONE reserved connection that holds
 * a session-level advisory lock for the whole run, and each file runs in its own transaction
 * together with the row that records it, so a file is either applied and recorded, or neither.
 * Migration files must therefore not contain BEGIN/COMMIT or statements that refuse to run in a
 * transaction block (CREATE INDEX CONCURRENTLY). Run migrations over a direct connection, not a
 * transaction-mode proxy: the advisory lock is session state.
 */

export const MIGRATIONS_TABLE = 'schema_migrations';
export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** Arbitrary constant shared by every runner of this project: the key of the advisory lock. */
const MIGRATION_LOCK_KEY = 724_311_908;

export interface MigrateOptions {
  /** Defaults to the configured DATABASE_URL. */
  databaseUrl?: string;
  migrationsDir?: string;
  /** Progress lines ("waiting for lock", "applying 003.do.indexes.sql"); silent by default. */
  log?: (line: string) => void;
}

export interface AppliedMigration {
  version: number;
  name: string;
  file: string;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(
    message: string,
    readonly file?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Brings the database to the newest migration; returns the files applied by this call (empty when up to date). */
export async function migrate(options: MigrateOptions = {}): Promise<AppliedMigration[]> {
  const migrationsDir = options.migrationsDir ?? DEFAULT_MIGRATIONS_DIR;
  const log = options.log ?? (() => undefined);
  const url = options.databaseUrl ?? dbClientOptions().url;
  const { sql } = createSqlClient(dbClientOptions({ url, max: 1, statementTimeoutMs: 0, prepare: false, applicationName: 'telematics-migrate' }));
  let connection: ReservedSql | undefined;
  try {
    connection = await sql.reserve();
    // No limit for index builds and data moves, whatever the role's default: this client keeps the
    // timeout out of its startup packet (prepare: false), and this direct session ends with the run.
    await connection`SET statement_timeout = 0`;
    await acquireLock(connection, log);
    try {
      return await runPostgrator(connection, url, migrationsDir, log);
    } finally {
      // A session lock dies with its connection, so a failed unlock on a broken one needs no handling
      // and must not hide the error that broke it.
      await connection`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY})`.catch(() => undefined);
    }
  } finally {
    connection?.release();
    await sql.end({ timeout: 5 });
  }
}

async function acquireLock(connection: ReservedSql, log: (line: string) => void): Promise<void> {
  const [attempt] = await connection<{ locked: boolean }[]>`SELECT pg_try_advisory_lock(${MIGRATION_LOCK_KEY}) AS locked`;
  if (attempt?.locked) return;
  log('another migration runner holds the lock; waiting for it to finish');
  await connection`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
}

async function runPostgrator(connection: ReservedSql, url: string, migrationsDir: string, log: (line: string) => void): Promise<AppliedMigration[]> {
  // Set by execSqlScript, cleared once postgrator has recorded the file in the same transaction.
  let fileInTransaction: string | undefined;
  let currentFile: string | undefined;

  const postgrator = new Postgrator({
    driver: 'pg',
    database: decodeURIComponent(new URL(url).pathname.slice(1)),
    schemaTable: MIGRATIONS_TABLE,
    migrationPattern: `${migrationsDir.split(path.sep).join('/').replace(/\/$/, '')}/*.sql`,
    validateChecksums: true,
    execSqlScript: async (script: string) => {
      await connection.unsafe('BEGIN');
      fileInTransaction = currentFile ?? 'unknown migration';
      await connection.unsafe(script);
    },
    execQuery: async (query: string) => {
      if (fileInTransaction !== undefined && !isRecordingStatement(query)) {
        // postgrator v8 records a file right after running it; anything else means its sequence changed.
        throw new MigrationError(`expected postgrator to record ${fileInTransaction} next, got: ${query.trim().slice(0, 80)}`, fileInTransaction);
      }
      const rows = await connection.unsafe(query);
      if (fileInTransaction !== undefined) {
        await connection.unsafe('COMMIT');
        fileInTransaction = undefined;
      }
      return { rows: [...rows] };
    },
  });
  postgrator.on('migration-started', (migration) => {
    currentFile = path.basename(migration.filename);
    log(`applying ${currentFile}`);
  });

  try {
    await refuseSkippedFiles(connection, postgrator);
    const applied = await postgrator.migrate();
    return applied.map((m) => ({ version: m.version, name: m.name, file: path.basename(m.filename) }));
  } catch (error) {
    // The connection may be gone; the original error is what the caller needs to see.
    if (fileInTransaction !== undefined) await connection.unsafe('ROLLBACK').catch(() => undefined);
    throw await explain(error, postgrator, currentFile);
  }
}

/**
 * postgrator applies only versions above the newest one recorded, so a file numbered below it that
 * was never applied (two branches that each added a migration, applied out of order) would be
 * skipped for good without a word. Refuse instead, naming the files.
 */
async function refuseSkippedFiles(connection: ReservedSql, postgrator: Postgrator): Promise<void> {
  const [table] = await connection<{ exists: boolean }[]>`SELECT to_regclass(${MIGRATIONS_TABLE}) IS NOT NULL AS exists`;
  if (!table?.exists) return;
  const rows = await connection<{ version: string }[]>`SELECT version::text FROM ${connection(MIGRATIONS_TABLE)}`;
  const applied = new Set(rows.map((r) => Number(r.version)));
  const newest = Math.max(0, ...applied);
  const skipped = (await postgrator.getMigrations()).filter((m) => m.action === 'do' && m.version < newest && !applied.has(m.version));
  if (skipped.length === 0) return;
  const files = skipped.map((m) => path.basename(m.filename)).join(', ');
  throw new MigrationError(
    `Refusing to migrate: ${files} was never applied, but version ${newest} already was, and migrations only apply above the newest applied version. ` +
      `Renumber it above ${newest}, or rebuild this database (a local one: drop it and run npm run migrate).`,
    path.basename((skipped[0] as { filename: string }).filename),
  );
}

const isRecordingStatement = (query: string) => new RegExp(`^\\s*INSERT INTO "${MIGRATIONS_TABLE}"`, 'i').test(query);

/** Turns postgrator's terse errors into messages that name the file and say what to do. */
async function explain(error: unknown, postgrator: Postgrator, currentFile: string | undefined): Promise<Error> {
  const message = error instanceof Error ? error.message : String(error);
  const checksum = /MD5 checksum failed for migration \[(\d+)\]/.exec(message);
  if (checksum) {
    const version = Number(checksum[1]);
    const migrations = await postgrator.getMigrations();
    const edited = migrations.find((m) => m.version === version && m.action === 'do');
    const file = edited ? path.basename(edited.filename) : `version ${version}`;
    return new MigrationError(
      `Refusing to migrate: ${file} was edited after it was applied (its checksum differs from the one recorded in ${MIGRATIONS_TABLE}). ` +
        'Applied migrations are immutable: restore the file and put the change in a new numbered migration.',
      file,
      { cause: error },
    );
  }
  if (error instanceof MigrationError) return error;
  if (currentFile) return new MigrationError(`Migration ${currentFile} failed and was rolled back: ${message}`, currentFile, { cause: error });
  return error instanceof Error ? error : new Error(message);
}
