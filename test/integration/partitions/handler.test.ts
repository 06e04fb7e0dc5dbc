import { afterAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/maintain-partitions/handler.js';
import { resetConfig } from '../../../lib/config/index.js';
import { closeDb } from '../../../lib/db/index.js';
import { partitionSql } from '../../../lib/partitions/index.js';
import { closeStorage } from '../../../lib/storage/index.js';
import { lambdaContext } from '../../helpers/lambda.js';
import { testSql, withMigratedThrowawayDatabase } from '../../helpers/db.js';

/** The maintain-partitions function as invoked directly with a clock (`npm run invoke -- maintain-partitions --event ...`). */

const saved = { DATABASE_URL: process.env.DATABASE_URL, PARTITION_ARCHIVE_PREFIX: process.env.PARTITION_ARCHIVE_PREFIX };

afterAll(async () => {
  Object.assign(process.env, saved);
  resetConfig();
  await closeDb();
  closeStorage();
});

describe('maintain-partitions function', () => {
  it('runs maintenance at the clock of the event', async () => {
    await withMigratedThrowawayDatabase('telematics_test_metrics_handler', async (url) => {
      Object.assign(process.env, { DATABASE_URL: url, PARTITION_ARCHIVE_PREFIX: `test-partitions-handler/${Date.now()}/` });
      resetConfig();
      await closeDb();
      try {
        const report = await handler({ now: '2030-03-01T00:00:00Z' }, lambdaContext());

        expect(report.skipped).toBe(false);
        expect(report.created.map((c) => c.month)).toEqual(expect.arrayContaining(['2030-03', '2030-04', '2030-05', '2030-06']));
        const sql = testSql(url, 1);
        const attached = (await partitionSql.attached(sql)).map((row) => row.name);
        await sql.end({ timeout: 5 });
        expect(attached).toContain('telematics_events_2030_06');
        // Everything the migration created (13 months back from today) is past retention in 2030.
        expect(attached.filter((name) => name !== 'telematics_events_default' && name < 'telematics_events_2029_03')).toEqual([]);
      } finally {
        await closeDb();
      }
    });
  });

  it('refuses a clock that is not a date-time', async () => {
    await expect(handler({ now: 'next tuesday' }, lambdaContext())).rejects.toThrow(/ISO-8601/);
  });
});
