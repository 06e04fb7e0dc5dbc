import { DeleteObjectsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/maintain-partitions/handler.js';
import { getConfig } from '../../../lib/config/index.js';
import { closeDb } from '../../../lib/db/index.js';
import { partitionSql } from '../../../lib/partitions/index.js';
import { closeStorage, getS3Client } from '../../../lib/storage/index.js';
import { withEnv } from '../../helpers/config.js';
import { lambdaContext } from '../../helpers/lambda.js';
import { testSql, withMigratedThrowawayDatabase } from '../../helpers/db.js';

/** The maintain-partitions function as invoked directly with a clock (`npm run invoke -- maintain-partitions --event ...`). */

const KEY_PREFIX = `test-partitions-handler/${Date.now()}/`;

afterAll(async () => {
  const bucket = getConfig().s3.archiveBucket;
  const listed = await getS3Client().send(new ListObjectsV2Command({ Bucket: bucket, Prefix: KEY_PREFIX }));
  const objects = (listed.Contents ?? []).map(({ Key }) => ({ Key: Key! }));
  if (objects.length > 0) await getS3Client().send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: objects } }));
  closeStorage();
});

describe('maintain-partitions function', () => {
  it('runs maintenance at the clock of the event', async () => {
    await withMigratedThrowawayDatabase('telematics_test_metrics_handler', async (url) => {
      await withEnv({ DATABASE_URL: url, PARTITION_ARCHIVE_PREFIX: KEY_PREFIX }, async () => {
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
  });

  it('refuses a clock that is not a date-time', async () => {
    await expect(handler({ now: 'next tuesday' }, lambdaContext())).rejects.toThrow(/event\.now: must be an ISO 8601 date-time/);
  });
});
