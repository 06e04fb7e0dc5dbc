import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's lib/ folder, absolute, with a trailing separator. */
export const LIB_DIR = fileURLToPath(new URL('../../lib/', import.meta.url));

/** Every TypeScript source file under lib/ (no declaration files), as absolute paths. */
export function libSourceFiles(): string[] {
  return readdirSync(LIB_DIR, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts'))
    .map((path) => join(LIB_DIR, path));
}
