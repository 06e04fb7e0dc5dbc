/**
 * npm run migrate [-- --database-url postgres://...]
 * Applies pending migrations from migrations/ to DATABASE_URL (or the given URL) and lists them.
 */
import { parseArgs } from 'node:util';
import { migrate } from '../lib/db/migrate.js';

const { values } = parseArgs({ options: { 'database-url': { type: 'string' } } });

try {
  const applied = await migrate({ databaseUrl: values['database-url'], log: (line) => console.log(line) });
  if (applied.length === 0) console.log('database schema is up to date');
  else console.log(`applied ${applied.length} migration(s): ${applied.map((m) => m.file).join(', ')}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
