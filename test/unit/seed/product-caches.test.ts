import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { registeredCaches } from '../../../lib/cache/runtime.js';
import { PRODUCT_CACHES } from '../../../lib/seed/dataset.js';

/**
 * A reset of the database empties PRODUCT_CACHES: a cache defined in lib/ but missing from the
 * list would keep answering for rows whose ids the reset gave to others. Domains define their
 * caches in lib/<domain>/cache.ts; lib/cache is the library itself.
 */

const LIB = fileURLToPath(new URL('../../../lib/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

const domainCacheFiles = () =>
  readdirSync(LIB)
    .filter((name) => name !== 'cache')
    .map((name) => join(LIB, name, 'cache.ts'))
    .filter((file) => existsSync(file));

describe('the caches a reset empties', () => {
  it('are every cache the domains define, as registered when their cache modules load', async () => {
    for (const file of domainCacheFiles()) await import(pathToFileURL(file).href);
    const registered = [...registeredCaches()].map((cache) => cache.name);

    expect(registered.length).toBeGreaterThan(0);
    expect([...PRODUCT_CACHES].sort()).toEqual(registered.sort());
  });

  it('are all defined in the domains\' cache.ts files, where the check above finds them', () => {
    const elsewhere = sourceFiles(LIB).filter(
      (file) => !file.startsWith(join(LIB, 'cache/')) && !domainCacheFiles().includes(file) && /\bcreateCache\(/.test(readFileSync(file, 'utf8')),
    );

    expect(elsewhere).toEqual([]);
  });
});
