/**
 * npm run partitions -- maintain [--now 2027-03-01T00:00:00Z]   one maintenance run (premake, default check, retention)
 * npm run partitions -- restore 2025-01                         brings an archived month back from S3
 * npm run partitions -- status                                  archive state of every month
 *
 * Runs against DATABASE_URL and S3_ARCHIVE_BUCKET like the maintain-partitions function.
 */
import { parseArgs } from 'node:util';
import { closeDb, getDb } from '../lib/db/index.js';
import { isMonth, maintainPartitions, partitionSql, restoreMonth } from '../lib/partitions/index.js';
import { closeStorage } from '../lib/storage/index.js';

const USAGE = 'usage: npm run partitions -- maintain [--now <ISO date-time>] | restore <YYYY-MM> | status';
const { values, positionals } = parseArgs({ allowPositionals: true, options: { now: { type: 'string' } } });
const [command, argument] = positionals;

async function main(): Promise<void> {
  if (command === 'maintain') {
    const now = values.now === undefined ? new Date() : new Date(values.now);
    if (Number.isNaN(now.getTime())) throw new Error(`--now: expected an ISO-8601 date-time, got "${values.now}"`);
    console.log(JSON.stringify(await maintainPartitions({ now }), null, 2));
  } else if (command === 'restore') {
    if (argument === undefined || !isMonth(argument)) throw new Error(`restore: expected a month as YYYY-MM, got "${argument ?? ''}"\n${USAGE}`);
    const report = await restoreMonth(argument);
    console.log(`restored ${report.rows} rows of ${report.month}`);
  } else if (command === 'status') {
    console.table(await partitionSql.archives(getDb()));
  } else {
    throw new Error(USAGE);
  }
}

try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
} finally {
  await closeDb();
  closeStorage();
}
