import { defineConfig } from 'vitest/config';
import { testCachePrefix, testDatabaseUrl } from './test/helpers/env.js';

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites share one PostgreSQL/Redis; run files one at a time so they do not
    // trample each other's rows and keys (each file still runs its own tests concurrently where it says so).
    fileParallelism: false,
    // Tests never touch the developer's database: they run on telematics_test (see test/helpers/env.ts).
    env: {
      STAGE: 'test',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'ERROR',
      DATABASE_URL: testDatabaseUrl(),
      CACHE_PREFIX: testCachePrefix(),
    },
    projects: [
      // Pure logic: runs without any service.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // Real PostgreSQL, Redis, Kafka and S3: the test database is migrated once before these run.
      {
        extends: true,
        test: { name: 'services', include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'], globalSetup: ['test/global-setup.ts'] },
      },
    ],
  },
});
