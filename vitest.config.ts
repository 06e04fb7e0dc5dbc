import { defineConfig } from 'vitest/config';
import { testDatabaseUrl } from './test/helpers/env.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites share one PostgreSQL/Redis; run files one at a time so they do not
    // trample each other's rows and keys (each file still runs its own tests concurrently where it says so).
    fileParallelism: false,
    globalSetup: ['test/global-setup.ts'],
    // Tests never touch the developer's database: they run on telematics_test (see test/helpers/env.ts).
    env: {
      STAGE: 'test',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'ERROR',
      DATABASE_URL: testDatabaseUrl(),
    },
  },
});
