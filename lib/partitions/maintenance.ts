import { getConfig } from '../config/index.js';
import { ConflictError } from '../errors/index.js';
import { createSqlClient, dbClientOptions, type Sql, type TransactionSql } from '../db/index.js';
import { getLogger } from '../logger/index.js';
import { archiveLocation, ARCHIVE_FORMAT, encodeArchive, readArchive, sha256, writeArchive, type ArchiveManifest } from './archive.js';
import { maintenanceWindow, monthEnd, monthOfPartition, monthStart, partitionName, type Month } from './months.js';
import { literal, partitionSql, quote } from './queries.js';

/**
 * Partition maintenance of telematics_events, after pg_partman's essentials (premake, default
 * partition check, retention with archive), driven by a clock given by the caller.
 *
 * Creating a month never runs CREATE TABLE ... PARTITION OF, which takes an ACCESS EXCLUSIVE lock on
 * the parent (every read and write of events would queue behind it). Instead, in one transaction:
 * the month is created as a standalone table with a CHECK of its range, the rows waiting for it in
 * the default partition are moved in (DELETE ... RETURNING into INSERT), and it is attached with
 * ATTACH PARTITION, which takes only SHARE UPDATE EXCLUSIVE on the parent (reads and inserts of
 * every other month go on) and ACCESS EXCLUSIVE on the default partition alone (only stray rows
 * wait); the CHECK spares the attach a validation scan of the new table. A lock_timeout bounds
 * every wait, so maintenance gives up (and the next run retries) rather than queueing traffic.
 *
 * Retention detaches with a plain DETACH PARTITION under the same lock_timeout: DETACH ...
 * CONCURRENTLY is refused by PostgreSQL on a table with a default partition, which ours has. Plain
 * DETACH changes metadata only (no scan), so its ACCESS EXCLUSIVE lock on the parent is held for
 * milliseconds once granted.
 *
 * Each expired month goes detached -> archived (S3 objects written and read back) -> dropped, and
 * its state is recorded in partition_archives after each step, so a run that stops anywhere is
 * completed by the next one. A session advisory lock lets one run at a time; another reports skipped.
 */

/** Session advisory lock key of maintenance and restore (any constant distinct from the migrations' key). */
const MAINTENANCE_LOCK_KEY = 724_311_909;
/** The key ensure_event_partitions (migrations/001) serializes on, taken too so both never interleave. */
const PARTITIONS_XACT_LOCK = 'telematics_events partitions';
const LOCK_TIMEOUT_MS = 5000;

export type RetentionStep = 'detached' | 'archived' | 'dropped';

export interface PartitionOptions {
  /**
   * A client allowing two connections (one holds the lock). By default the run opens its own, with
   * no statement timeout (exporting a month takes longer than an API query may) and closes it after.
   */
  sql?: Sql;
  /** The clock of the run; tests move it. */
  now?: Date;
  monthsAhead?: number;
  retentionMonths?: number;
  bucket?: string;
  /** Prepended to every archive key (tests use a prefix of their own). */
  keyPrefix?: string;
  /** Called after each retention step of a month; a throw stops the run there (crash injection in tests). */
  onStep?: (step: RetentionStep, month: Month) => void | Promise<void>;
}

export interface ArchivedMonth {
  month: Month;
  rows: number;
  dataKey: string;
}

export interface MaintenanceReport {
  skipped: boolean;
  now: string;
  created: Array<{ month: Month; movedFromDefault: number }>;
  archived: ArchivedMonth[];
  dropped: Month[];
  /** Rows still in the default partition after premake, per month of their ts. */
  defaultRows: { total: number; byMonth: Record<Month, number> };
}

interface Resolved {
  sql: Sql;
  /** Closes the client when the run opened it. */
  close: () => Promise<void>;
  now: Date;
  monthsAhead: number;
  retentionMonths: number;
  bucket: string;
  keyPrefix: string;
  onStep: NonNullable<PartitionOptions['onStep']>;
}

function resolve(options: PartitionOptions): Resolved {
  const config = getConfig();
  const own = options.sql ? undefined : createSqlClient(dbClientOptions({ max: 2, statementTimeoutMs: 0, applicationName: `${config.serviceName}-partitions` })).sql;
  return {
    sql: options.sql ?? own!,
    close: async () => {
      await own?.end({ timeout: 5 });
    },
    now: options.now ?? new Date(),
    monthsAhead: options.monthsAhead ?? config.partitions.monthsAhead,
    retentionMonths: options.retentionMonths ?? config.partitions.retentionMonths,
    bucket: options.bucket ?? config.s3.archiveBucket,
    keyPrefix: options.keyPrefix ?? config.partitions.archivePrefix,
    onStep: options.onStep ?? (() => undefined),
  };
}

/**
 * Runs `fn` while holding the maintenance lock on a reserved connection, or returns undefined at
 * once when another run holds it.
 */
async function withMaintenanceLock<T>(sql: Sql, fn: () => Promise<T>): Promise<T | undefined> {
  const holder = await sql.reserve();
  try {
    const [row] = await holder<{ locked: boolean }[]>`SELECT pg_try_advisory_lock(${MAINTENANCE_LOCK_KEY}) AS locked`;
    if (!row?.locked) return undefined;
    try {
      return await fn();
    } finally {
      await holder`SELECT pg_advisory_unlock(${MAINTENANCE_LOCK_KEY})`;
    }
  } finally {
    holder.release();
  }
}

async function boundedTransaction<T>(sql: Sql, fn: (tx: TransactionSql) => Promise<T>): Promise<T> {
  return sql.begin(async (tx) => {
    await tx`SELECT set_config('lock_timeout', ${String(LOCK_TIMEOUT_MS)}, true)`;
    await tx`SELECT pg_advisory_xact_lock(hashtext(${PARTITIONS_XACT_LOCK}))`;
    return fn(tx);
  }) as Promise<T>;
}

/**
 * Creates the month's partition and moves its rows out of the default partition, in `tx`
 * (see the module comment for the locks); `fill` may add rows (a restore). Returns the rows moved.
 */
async function createMonth(tx: TransactionSql, month: Month, fill?: (table: string) => Promise<void>): Promise<number> {
  const table = quote(partitionName(month));
  const check = quote(`${partitionName(month)}_range`);
  const from = literal(monthStart(month));
  const to = literal(monthEnd(month));
  await tx.unsafe(`CREATE TABLE ${table} (LIKE telematics_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
  await tx.unsafe(`ALTER TABLE ${table} ADD CONSTRAINT ${check} CHECK (ts >= ${from} AND ts < ${to})`);
  const moved = await tx.unsafe(
    `WITH moved AS (DELETE FROM telematics_events_default WHERE ts >= ${from} AND ts < ${to} RETURNING *) INSERT INTO ${table} SELECT * FROM moved`,
  );
  if (fill) await fill(partitionName(month));
  await tx.unsafe(`ALTER TABLE telematics_events ATTACH PARTITION ${table} FOR VALUES FROM (${from}) TO (${to})`);
  await tx.unsafe(`ALTER TABLE ${table} DROP CONSTRAINT ${check}`);
  return moved.count;
}

export async function maintainPartitions(options: PartitionOptions = {}): Promise<MaintenanceReport> {
  const run = resolve(options);
  const report: MaintenanceReport = { skipped: false, now: run.now.toISOString(), created: [], archived: [], dropped: [], defaultRows: { total: 0, byMonth: {} } };
  const done = await withMaintenanceLock(run.sql, async () => {
    await premake(run, report);
    await checkDefault(run, report);
    await applyRetention(run, report);
    return true;
  }).finally(run.close);
  if (!done) {
    getLogger().info('partition maintenance skipped: another run holds the lock', { now: report.now });
    return { ...report, skipped: true };
  }
  getLogger().info('partition maintenance done', { report });
  return report;
}

async function premake(run: Resolved, report: MaintenanceReport): Promise<void> {
  const { premake: months } = maintenanceWindow(run.now, run.monthsAhead, run.retentionMonths);
  const attached = new Set((await partitionSql.attached(run.sql)).map((row) => row.name));
  for (const month of months) {
    if (attached.has(partitionName(month))) continue;
    const moved = await boundedTransaction(run.sql, async (tx) => {
      // Re-checked under the partitions lock: ensure_event_partitions may have created it meanwhile.
      const [exists] = await partitionSql.tableExists(tx, partitionName(month));
      return exists?.exists ? undefined : createMonth(tx, month);
    });
    if (moved !== undefined) report.created.push({ month, movedFromDefault: moved });
  }
}

async function checkDefault(run: Resolved, report: MaintenanceReport): Promise<void> {
  const rows = await partitionSql.defaultRowsByMonth(run.sql);
  report.defaultRows = { total: rows.reduce((sum, row) => sum + row.rows, 0), byMonth: Object.fromEntries(rows.map((row) => [row.month, row.rows])) };
  if (report.defaultRows.total > 0) {
    // Rows of months with no partition (far past or beyond the premake window): ingestion kept them, nothing reads them by month.
    getLogger().warn('rows in the default partition of telematics_events', { default_rows: report.defaultRows });
  }
}

async function applyRetention(run: Resolved, report: MaintenanceReport): Promise<void> {
  const { firstRetained } = maintenanceWindow(run.now, run.monthsAhead, run.retentionMonths);
  const states = new Map((await partitionSql.archives(run.sql)).map((row) => [row.month, row]));
  const expiredAttached: Month[] = [];
  for (const { name } of await partitionSql.attached(run.sql)) {
    const month = monthOfPartition(name);
    if (month === undefined || month >= firstRetained) continue;
    const state = states.get(month)?.state;
    if (state === 'restored') continue;
    if (state === 'dropped') {
      // Archiving it again would replace the month's archive; an operator decides (restore merges both).
      getLogger().warn('an archived month has a partition again; left attached', { month, partition: name });
      continue;
    }
    expiredAttached.push(month);
  }
  // Months a previous run left half done, whatever the clock says now.
  const unfinished = [...states.values()].filter((row) => row.state === 'detached' || row.state === 'archived').map((row) => row.month);
  const months = [...new Set([...unfinished, ...expiredAttached])].sort();

  for (const month of months) {
    const table = partitionName(month);
    let state = states.get(month)?.state;
    if (state === undefined) {
      await boundedTransaction(run.sql, async (tx) => {
        await tx.unsafe(`ALTER TABLE telematics_events DETACH PARTITION ${quote(table)}`);
        await partitionSql.markDetached(tx, month, table);
      });
      state = 'detached';
      await run.onStep('detached', month);
    }
    if (state === 'detached') {
      report.archived.push(await archiveMonth(run, month));
      state = 'archived';
      await run.onStep('archived', month);
    }
    if (state === 'archived') {
      await run.sql.begin(async (tx) => {
        await tx.unsafe(`DROP TABLE IF EXISTS ${quote(table)}`);
        await partitionSql.markState(tx, month, 'dropped');
      });
      report.dropped.push(month);
      await run.onStep('dropped', month);
    }
  }
}

/** Exports a detached month to S3, verifies it by reading it back, and records it as archived. */
async function archiveMonth(run: Resolved, month: Month): Promise<ArchivedMonth> {
  const table = partitionName(month);
  const [stats] = await partitionSql.stats(run.sql, table);
  const columns = await partitionSql.columns(run.sql);
  const lines = (await partitionSql.rowsAsJson(run.sql, table)).map((row) => row.line);
  const rows = Number(stats?.rows ?? 0);
  if (lines.length !== rows) throw new Error(`archive of ${month}: read ${lines.length} rows, counted ${rows}`);
  const data = encodeArchive({ format: ARCHIVE_FORMAT, table: 'telematics_events', month, columns }, lines);
  const location = archiveLocation(run.bucket, run.keyPrefix, month);
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    table: 'telematics_events',
    month,
    partition: table,
    from: monthStart(month).toISOString(),
    to: monthEnd(month).toISOString(),
    columns,
    rowCount: rows,
    minTs: stats?.min_ts ?? null,
    maxTs: stats?.max_ts ?? null,
    sha256: sha256(data),
    bytes: data.byteLength,
    dataKey: location.dataKey,
    createdAt: new Date().toISOString(),
  };
  await writeArchive(location, data, manifest);
  await partitionSql.markArchived(run.sql, month, { bucket: location.bucket, dataKey: location.dataKey, manifestKey: location.manifestKey, rows, minTs: manifest.minTs, maxTs: manifest.maxTs, sha256: manifest.sha256 });
  getLogger().info('partition archived', { month, rows, data_key: location.dataKey });
  return { month, rows, dataKey: location.dataKey };
}

/** Rows per INSERT of a restore: one JSON array parameter each. */
const RESTORE_CHUNK_ROWS = 5000;

export interface RestoreReport {
  month: Month;
  rows: number;
}

/**
 * Brings an archived month back from S3 into an attached partition, in one transaction, after
 * checking the data object against its manifest. The month is then kept (state `restored`):
 * retention leaves it alone until an operator archives it again.
 */
export async function restoreMonth(month: Month, options: Omit<PartitionOptions, 'now' | 'onStep'> = {}): Promise<RestoreReport> {
  const run = resolve(options);
  const result = await withMaintenanceLock(run.sql, async () => {
    const [archive] = await partitionSql.archive(run.sql, month);
    if (!archive || (archive.state !== 'dropped' && archive.state !== 'archived')) {
      throw new ConflictError(`month ${month} has no completed archive to restore (state: ${archive?.state ?? 'none'})`);
    }
    const [exists] = await partitionSql.tableExists(run.sql, partitionName(month));
    if (exists?.exists) throw new ConflictError(`table ${partitionName(month)} still exists; run maintenance to finish archiving it first`);
    if (!archive.bucket || !archive.data_key || !archive.manifest_key) throw new Error(`archive record of ${month} has no location`);
    const { manifest, lines } = await readArchive({ bucket: archive.bucket, dataKey: archive.data_key, manifestKey: archive.manifest_key });
    if (manifest.sha256 !== archive.sha256) throw new Error(`manifest of ${month} does not match the recorded checksum`);
    await boundedTransaction(run.sql, async (tx) => {
      await createMonth(tx, month, async (table) => {
        let inserted = 0;
        for (let start = 0; start < lines.length; start += RESTORE_CHUNK_ROWS) {
          const chunk = `[${lines.slice(start, start + RESTORE_CHUNK_ROWS).join(',')}]`;
          const result = await tx.unsafe(`INSERT INTO ${quote(table)} SELECT * FROM json_populate_recordset(null::telematics_events, $1::text::json)`, [chunk]);
          inserted += result.count;
        }
        if (inserted !== manifest.rowCount) throw new Error(`restore of ${month}: inserted ${inserted} rows, manifest says ${manifest.rowCount}`);
      });
      await partitionSql.markState(tx, month, 'restored');
    });
    getLogger().info('partition restored', { month, rows: lines.length });
    return { month, rows: lines.length };
  }).finally(run.close);
  if (!result) throw new ConflictError('partition maintenance is running; retry the restore when it is done');
  return result;
}
