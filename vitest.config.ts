import { defineConfig } from 'vitest/config';

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
    // Tests never touch the developer's database: they run on telematics_test unless told otherwise.
    env: {
      STAGE: 'test',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'ERROR',
      DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://telematics:telematics@127.0.0.1:5432/telematics_test',
    },
  },
});
