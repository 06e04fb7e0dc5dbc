import { describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, withMigratedThrowawayDatabase, withSql } from '../../helpers/db.js';
import { runScript } from '../../helpers/process.js';

/** `npm run seed` and `npm run migrate` as a developer's shell runs them, with or without STAGE. */

const driverCount = (url: string) => withSql(url, async (sql) => (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM drivers`)[0]?.n);

describe('scripts that write require STAGE explicitly', () => {
  it('refuses to seed without STAGE, saying so and writing nothing', async () => {
    await withMigratedThrowawayDatabase('telematics_stage_test', async (url) => {
      const run = await runScript('scripts/seed.ts', ['--drivers', '2', '--days', '1'], { DATABASE_URL: url });

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^STAGE is not set: seeding writes demo data to postgres:\/\/telematics:\*\*\*@/);
      expect(await driverCount(url)).toBe(0);

      const withStage = await runScript('scripts/seed.ts', ['--drivers', '2', '--days', '1'], { DATABASE_URL: url, STAGE: 'local' });
      expect(withStage.code, withStage.stderr).toBe(0);
      expect(await driverCount(url)).toBe(2);
    });
  });

  it('refuses to migrate a database on another machine without STAGE, before connecting to it', async () => {
    const run = await runScript('scripts/migrate.ts', ['--database-url', 'postgres://deploy:secret@db.telematics.invalid:5432/telematics'], {});

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^STAGE is not set: migrating changes the schema of postgres:\/\/deploy:\*\*\*@db\.telematics\.invalid:5432\/telematics/);
    expect(run.stderr).not.toContain('secret');
  });

  it('migrates a database of this machine without STAGE', async () => {
    const run = await runScript('scripts/migrate.ts', ['--database-url', TEST_DATABASE_URL], {});

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/database schema is up to date|applied \d+ migration/);
  });
});
