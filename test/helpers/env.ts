/**
 * Where the tests find their services. One definition shared by vitest.config.ts (the test
 * workers' DATABASE_URL), test/global-setup.ts (migrations) and test/helpers/db.ts, so they can
 * never point at different databases.
 */

/**
 * The Redis key space of the tests' caches: CACHE_PREFIX when set, else `tele-test`. Redis is shared
 * with `npm run dev`, so the development stack's cached rows (same ids, another database) stay out
 * of the tests' reads.
 */
export function testCachePrefix(env: Record<string, string | undefined> = process.env): string {
  return env.CACHE_PREFIX?.trim() || 'tele-test';
}

/** The database name tests use on whichever server DATABASE_URL names. */
export const TEST_DATABASE_NAME = 'telematics_test';

const LOCAL_TEST_DATABASE_URL = `postgres://telematics:telematics@127.0.0.1:5432/${TEST_DATABASE_NAME}`;

/**
 * The test database: TEST_DATABASE_URL when set; otherwise the server of DATABASE_URL (a developer's
 * external PostgreSQL) with its database replaced by `telematics_test`, so tests never write to the
 * development database; otherwise the local services' test database.
 */
export function testDatabaseUrl(env: Record<string, string | undefined> = process.env): string {
  const explicit = env.TEST_DATABASE_URL?.trim();
  if (explicit) return explicit;
  const development = env.DATABASE_URL?.trim();
  if (!development) return LOCAL_TEST_DATABASE_URL;
  let url: URL;
  try {
    url = new URL(development);
  } catch {
    throw new Error('DATABASE_URL is not a URL; set TEST_DATABASE_URL to the database the tests may use');
  }
  url.pathname = `/${TEST_DATABASE_NAME}`;
  return url.toString();
}
