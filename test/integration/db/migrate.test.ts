import { cp, mkdtemp, readdir, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, MIGRATIONS_TABLE, MigrationError, migrate } from '../../../lib/db/migrate.js';
import { withSql, withThrowawayDatabase } from '../../helpers/db.js';

const PREFIX = 'telematics_migrate_test';
const temporaryDirs: string[] = [];

/** A private copy of the project's migrations that a test may edit. */
async function copyOfMigrations(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
  temporaryDirs.push(dir);
  await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  return dir;
}

async function projectMigrationFiles(): Promise<string[]> {
  return (await readdir(DEFAULT_MIGRATIONS_DIR)).filter((f) => f.endsWith('.sql')).sort();
}

function recordedVersions(url: string): Promise<number[]> {
  return withSql(url, async (sql) => {
    const rows = await sql<{ version: number }[]>`SELECT version FROM ${sql(MIGRATIONS_TABLE)} WHERE version > 0 ORDER BY version`;
    return rows.map((r) => r.version);
  });
}

describe('migrations', () => {
  afterEach(async () => {
    await Promise.all(temporaryDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('apply every file to an empty database, creating the schema and recording each version', async () => {
    await withThrowawayDatabase(PREFIX, async (url) => {
      const files = await projectMigrationFiles();

      const applied = await migrate({ databaseUrl: url });

      expect(applied.map((m) => m.file)).toEqual(files);
      expect(await recordedVersions(url)).toEqual(applied.map((m) => m.version));
      await withSql(url, async (sql) => {
        const tables = await sql<{ name: string }[]>`
          SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname IN ('public', 'training') ORDER BY 1`;
        expect(tables.map((t) => t.name)).toEqual(
          expect.arrayContaining(
            ['drivers', 'users', 'vehicles', 'policies', 'trips', 'telematics_events', 'telematics_events_default', 'risk_scores', 'premiums', 'dead_letters']
              .map((t) => `public.${t}`)
              .concat('training.claims'),
          ),
        );
        const [partitions] = await sql<{ monthly: number }[]>`
          SELECT count(*)::int AS monthly FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
          WHERE i.inhparent = 'telematics_events'::regclass AND c.relname ~ '^telematics_events_\\d{4}_\\d{2}$'`;
        expect(partitions?.monthly).toBe(17); // 13 months back through 3 ahead
      });
    });
  });

  it('do nothing on a second run', async () => {
    await withThrowawayDatabase(PREFIX, async (url) => {
      await migrate({ databaseUrl: url });
      const versionsBefore = await recordedVersions(url);

      const applied = await migrate({ databaseUrl: url });

      expect(applied).toEqual([]);
      expect(await recordedVersions(url)).toEqual(versionsBefore);
    });
  });

  it('refuse a migration edited after it was applied, naming the file', async () => {
    await withThrowawayDatabase(PREFIX, async (url) => {
      const dir = await copyOfMigrations();
      await migrate({ databaseUrl: url, migrationsDir: dir });
      const [first] = await projectMigrationFiles();
      await appendFile(path.join(dir, first as string), '\n-- an innocent-looking edit\n');

      const attempt = migrate({ databaseUrl: url, migrationsDir: dir });

      await expect(attempt).rejects.toBeInstanceOf(MigrationError);
      await expect(attempt).rejects.toThrow(new RegExp(`${(first as string).replace(/\./g, '\\.')} was edited after it was applied`));
    });
  });

  it('refuse a file numbered below the newest applied version that was never applied, naming it', async () => {
    await withThrowawayDatabase(PREFIX, async (url) => {
      const dir = await copyOfMigrations();
      const files = await projectMigrationFiles();
      const skipped = files.at(-2) as string;
      await rm(path.join(dir, skipped));
      await migrate({ databaseUrl: url, migrationsDir: dir });
      const versions = await recordedVersions(url);
      await cp(path.join(DEFAULT_MIGRATIONS_DIR, skipped), path.join(dir, skipped));

      const attempt = migrate({ databaseUrl: url, migrationsDir: dir });

      await expect(attempt).rejects.toBeInstanceOf(MigrationError);
      await expect(attempt).rejects.toThrow(new RegExp(`${skipped.replace(/\./g, '\\.')} was never applied`));
      expect(await recordedVersions(url)).toEqual(versions);
    });
  });

  it('roll back a failing file completely and record nothing for it', async () => {
    await withThrowawayDatabase(PREFIX, async (url) => {
      const dir = await copyOfMigrations();
      await migrate({ databaseUrl: url, migrationsDir: dir });
      const versions = await recordedVersions(url);
      const next = (versions.at(-1) ?? 0) + 1;
      const file = `${String(next).padStart(3, '0')}.do.half-broken.sql`;
      await writeFile(path.join(dir, file), 'CREATE TABLE half_broken (id integer);\nSELECT no_such_function();\n');

      await expect(migrate({ databaseUrl: url, migrationsDir: dir })).rejects.toThrow(new RegExp(`Migration ${file.replace(/\./g, '\\.')} failed and was rolled back`));

      await withSql(url, async (sql) => {
        const [table] = await sql<{ exists: boolean }[]>`SELECT to_regclass('half_broken') IS NOT NULL AS exists`;
        expect(table?.exists).toBe(false);
      });
      expect(await recordedVersions(url)).toEqual(versions);
    });
  });

  it("run a file that takes longer than the role's or database's default statement timeout", async () => {
    await withThrowawayDatabase(PREFIX, async (url) => {
      await withSql(url, (sql) => sql`ALTER DATABASE ${sql(new URL(url).pathname.slice(1))} SET statement_timeout = '100ms'`);
      const dir = await copyOfMigrations();
      // After the highest version (numbers may have gaps while parallel work lands).
      const next = Math.max(...(await projectMigrationFiles()).map((f) => Number.parseInt(f, 10))) + 1;
      const file = `${String(next).padStart(3, '0')}.do.slow.sql`;
      await writeFile(path.join(dir, file), 'SELECT pg_sleep(0.5);\n');

      const applied = await migrate({ databaseUrl: url, migrationsDir: dir });

      expect(applied.map((m) => m.file)).toContain(file);
    });
  });

  it('let two concurrent runners apply each file exactly once', async () => {
    await withThrowawayDatabase(PREFIX, async (url) => {
      const files = await projectMigrationFiles();

      const [first, second] = await Promise.all([migrate({ databaseUrl: url }), migrate({ databaseUrl: url })]);

      // One runner waited on the lock, then found nothing left to do.
      expect([first.length, second.length].sort((a, b) => a - b)).toEqual([0, files.length]);
      expect(await recordedVersions(url)).toEqual([...first, ...second].map((m) => m.version));
    });
  });
});
