import { randomBytes } from 'node:crypto';
import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { getConfig } from '../../../lib/config/index.js';
import type { Sql } from '../../../lib/db/index.js';
import { addMonths, archiveLocation, maintainPartitions, maintenanceWindow, monthOf, partitionName, partitionSql, readManifest, restoreMonth, type Month } from '../../../lib/partitions/index.js';
import { monthEnd, monthStart } from '../../../lib/partitions/months.js';
import { closeStorage, getS3Client } from '../../../lib/storage/index.js';
import { testSql, withMigratedThrowawayDatabase } from '../../helpers/db.js';

/**
 * Partition maintenance on a throwaway database (the clock moves 14 months, dropping months the
 * shared test database's dataset lives in), against the real LocalStack S3, under a key prefix of
 * this run's own.
 */

const KEY_PREFIX = `test-partitions/${randomBytes(4).toString('hex')}/`;
const RETENTION = 12;
const AHEAD = 3;
const TODAY = new Date();
const CURRENT: Month = monthOf(TODAY);

/** The clock of step `n`: the 10th of the month n months after today's. */
const clockAt = (n: number) => new Date(monthStart(addMonths(CURRENT, n)).getTime() + 9 * 86_400_000 + 3_600_000);

afterAll(async () => {
  const s3 = getS3Client();
  const bucket = getConfig().s3.archiveBucket;
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: KEY_PREFIX }));
  const objects = (listed.Contents ?? []).map(({ Key }) => ({ Key: Key! }));
  if (objects.length > 0) await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
  closeStorage();
});

/** In a fresh migrated database with its own client (three connections: the lock holder, the work, a spare). */
async function withDatabase(fn: (sql: Sql) => Promise<void>): Promise<void> {
  await withMigratedThrowawayDatabase('telematics_test_metrics_partitions', async (url) => {
    const sql = testSql(url, 3);
    try {
      await fn(sql);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
}

/** `count` events spread over the month, driver 1. */
async function insertEvents(sql: Sql, month: Month, count: number): Promise<void> {
  const from = monthStart(month).toISOString();
  await sql`
    INSERT INTO telematics_events (event_id, ts, driver_id, vehicle_id, event_type, speed_kmh, data)
    SELECT gen_random_uuid(), ${from}::timestamptz + (i * interval '37 minutes 12.345678 seconds'), 1, 1, 'position', i % 130, jsonb_build_object('i', i)
    FROM generate_series(1, ${count}) AS i`;
}

async function attachedMonths(sql: Sql): Promise<Month[]> {
  return (await partitionSql.attached(sql))
    .map((row) => /^telematics_events_(\d{4})_(\d{2})$/.exec(row.name))
    .filter((m) => m !== null)
    .map((m) => `${m[1]}-${m[2]}`)
    .sort();
}

/** Exact content of a month as the product reads it (through the parent table). */
async function fingerprint(sql: Sql, month: Month): Promise<{ rows: number; digest: string | null }> {
  const [row] = await sql<{ rows: number; digest: string | null }[]>`
    SELECT count(*)::int AS rows, md5(string_agg(row_to_json(t)::text, '|' ORDER BY ts, event_id)) AS digest
    FROM telematics_events t WHERE ts >= ${monthStart(month).toISOString()}::timestamptz AND ts < ${monthEnd(month).toISOString()}::timestamptz`;
  return row!;
}

const options = (sql: Sql) => ({ sql, keyPrefix: KEY_PREFIX, retentionMonths: RETENTION, monthsAhead: AHEAD });

describe('maintainPartitions', () => {
  it('over 14 months keeps months ahead, archives every expired month with its exact row count, and drops it', async () => {
    await withDatabase(async (sql) => {
      // Rows in every month the migration created (13 back through 1 ahead), a different count each.
      const rowsOf = new Map<Month, number>();
      for (let back = -13; back <= 1; back++) {
        const month = addMonths(CURRENT, back);
        rowsOf.set(month, 20 + back + 13);
        await insertEvents(sql, month, rowsOf.get(month)!);
      }
      // A stray row 8 months ahead waits in the default partition until premake reaches its month.
      const strayMonth = addMonths(CURRENT, 8);
      await insertEvents(sql, strayMonth, 1);
      rowsOf.set(strayMonth, 1);

      const archivedAt = new Map<Month, number>();
      for (let step = 0; step <= 14; step++) {
        const now = clockAt(step);
        const report = await maintainPartitions({ ...options(sql), now });
        const window = maintenanceWindow(now, AHEAD, RETENTION);
        const attached = await attachedMonths(sql);

        expect(report.skipped).toBe(false);
        expect(attached).toEqual(expect.arrayContaining(window.premake));
        expect(attached.filter((month) => month < window.firstRetained)).toEqual([]);
        for (const archived of report.archived) {
          const manifest = await readManifest(archiveLocation(getConfig().s3.archiveBucket, KEY_PREFIX, archived.month));
          expect(manifest.rowCount).toBe(rowsOf.get(archived.month) ?? 0);
          expect(manifest.rowCount).toBe(archived.rows);
          archivedAt.set(archived.month, step);
        }
        expect(report.dropped).toEqual(report.archived.map((a) => a.month));
        const strayStep = 8 - AHEAD;
        expect(report.defaultRows.total).toBe(step < strayStep ? 1 : 0);
        if (step === strayStep) expect(report.created).toContainEqual({ month: strayMonth, movedFromDefault: 1 });
      }

      // Every month that ended 12 months before the last clock was archived, each once, in time order.
      const lastFirstRetained = maintenanceWindow(clockAt(14), AHEAD, RETENTION).firstRetained;
      const expired = [...rowsOf.keys()].filter((month) => month < lastFirstRetained).sort();
      expect([...archivedAt.keys()].sort()).toEqual(expect.arrayContaining(expired));
      const states = await partitionSql.archives(sql);
      expect(states.every((row) => row.state === 'dropped')).toBe(true);
      for (const month of expired) {
        const [exists] = await partitionSql.tableExists(sql, partitionName(month));
        expect(exists?.exists).toBe(false);
      }
    });
  });

  it('lets two runs start at once: one does the work, neither fails, and the end state is that of one run', async () => {
    await withDatabase(async (sql) => {
      await insertEvents(sql, addMonths(CURRENT, -13), 5);
      const now = clockAt(1);

      const reports = await Promise.all([maintainPartitions({ ...options(sql), now }), maintainPartitions({ ...options(sql), now })]);
      const after = { attached: await attachedMonths(sql), states: await partitionSql.archives(sql) };
      const rerun = await maintainPartitions({ ...options(sql), now });

      // Either the second was refused the lock (skipped) or it started after the first and found nothing to do.
      const worked = reports.filter((report) => report.archived.length > 0 || report.created.length > 0);
      expect(worked).toHaveLength(1);
      expect(reports.flatMap((report) => report.archived.map((a) => a.month)).sort()).toEqual([addMonths(CURRENT, -13), addMonths(CURRENT, -12)]);
      expect(rerun).toMatchObject({ skipped: false, created: [], archived: [], dropped: [] });
      expect({ attached: await attachedMonths(sql), states: await partitionSql.archives(sql) }).toEqual(after);
    });
  });

  it('completes, on the next run, a month whose run stopped after archiving and before dropping', async () => {
    await withDatabase(async (sql) => {
      const month = addMonths(CURRENT, -13);
      await insertEvents(sql, month, 7);
      const crash = new Error('injected crash after archive');

      await expect(
        maintainPartitions({ ...options(sql), now: clockAt(0), onStep: (step) => { if (step === 'archived') throw crash; } }),
      ).rejects.toBe(crash);
      const [halfway] = await partitionSql.archive(sql, month);
      const [kept] = await partitionSql.tableExists(sql, partitionName(month));
      expect(halfway).toMatchObject({ state: 'archived', row_count: 7 });
      expect(kept?.exists).toBe(true);

      const report = await maintainPartitions({ ...options(sql), now: clockAt(0) });

      expect(report.dropped).toContain(month);
      expect(report.archived.map((a) => a.month)).not.toContain(month);
      const [done] = await partitionSql.archive(sql, month);
      const [gone] = await partitionSql.tableExists(sql, partitionName(month));
      expect(done?.state).toBe('dropped');
      expect(gone?.exists).toBe(false);
    });
  });

  it('keeps a detached month with its rows when the archive cannot be written, and archives it once it can', async () => {
    await withDatabase(async (sql) => {
      const month = addMonths(CURRENT, -13);
      await insertEvents(sql, month, 4);

      await expect(maintainPartitions({ ...options(sql), now: clockAt(0), bucket: 'telematics-no-such-bucket' })).rejects.toThrow(/does not exist/);
      const [state] = await partitionSql.archive(sql, month);
      const [rows] = await sql<{ rows: number }[]>`SELECT count(*)::int AS rows FROM ${sql(partitionName(month))}`;
      expect(state?.state).toBe('detached');
      expect(rows?.rows).toBe(4);

      const report = await maintainPartitions({ ...options(sql), now: clockAt(0) });
      expect(report.archived).toContainEqual(expect.objectContaining({ month, rows: 4 }));
      expect(report.dropped).toContain(month);
    });
  });

  it('restores an archived month: the product reads exactly the rows that were archived', async () => {
    await withDatabase(async (sql) => {
      const month = addMonths(CURRENT, -13);
      await insertEvents(sql, month, 33);
      const before = await fingerprint(sql, month);
      await maintainPartitions({ ...options(sql), now: clockAt(0) });
      expect((await fingerprint(sql, month)).rows).toBe(0);

      const restored = await restoreMonth(month, options(sql));
      const after = await fingerprint(sql, month);
      // Retention leaves a restored month alone.
      const rerun = await maintainPartitions({ ...options(sql), now: clockAt(0) });

      expect(restored).toEqual({ month, rows: 33 });
      expect(after).toEqual(before);
      expect(rerun.archived.map((a) => a.month)).not.toContain(month);
      expect(await fingerprint(sql, month)).toEqual(before);
      await expect(restoreMonth(month, options(sql))).rejects.toThrow(/no completed archive/);
    });
  });
});
