/**
 * npm run migrate [-- --database-url postgres://...]
 * Applies pending migrations from migrations/ to DATABASE_URL (or the given URL) and lists them.
 * A database on another machine is migrated only with STAGE set explicitly (scripts/lib/stage.ts).
 */
import { parseArgs } from 'node:util';
import { getConfig, redactUrl } from '../lib/config/index.js';
import { migrate } from '../lib/db/migrate.js';
import { isLocalDatabaseUrl, requireExplicitStage } from './lib/stage.js';

const { values } = parseArgs({ options: { 'database-url': { type: 'string' } } });

try {
  const databaseUrl = values['database-url'] ?? getConfig().db.url;
  if (!isLocalDatabaseUrl(databaseUrl)) requireExplicitStage(`migrating changes the schema of ${redactUrl(databaseUrl)}, which is not on this machine`);
  const applied = await migrate({ databaseUrl, log: (line) => console.log(line) });
  if (applied.length === 0) console.log('database schema is up to date');
  else console.log(`applied ${applied.length} migration(s): ${applied.map((m) => m.file).join(', ')}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
