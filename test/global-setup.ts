import { migrate } from '../lib/db/migrate.js';
import { buildConsole } from '../scripts/console/build.mjs';
import { testDatabaseUrl } from './helpers/env.js';
import { emptyTestCache } from './helpers/redis.js';

/**
 * Runs once before all test files: builds the console's assets (functions/console serves them to
 * the e2e suites), brings the test database to the newest migration and empties the tests' cache
 * key space: a cache filled from an earlier test database (rebuilt since, its ids reused) would
 * otherwise answer for rows that no longer exist. The
 * services themselves are started by scripts/test.sh (`npm run services -- up`); when they are
 * not running, this fails with one clear message instead of every suite timing out.
 */
export default async function setup(): Promise<void> {
  await buildConsole();
  const databaseUrl = testDatabaseUrl();
  try {
    await migrate({ databaseUrl });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot prepare the test database (${databaseUrl.replace(/:[^:@/]*@/, ':***@')}): ${reason}\nStart the services with: npm run services -- up`, { cause: error });
  }
  await clearTestCache();
}

async function clearTestCache(): Promise<void> {
  try {
    await emptyTestCache();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot empty the tests' cache key space in Redis: ${reason}\nStart the services with: npm run services -- up`, { cause: error });
  }
}
