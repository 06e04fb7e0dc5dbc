import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { registeredCaches } from '../../../lib/cache/runtime.js';
import { PRODUCT_CACHES } from '../../../lib/seed/dataset.js';
import { LIB_DIR as LIB, libSourceFiles } from '../../helpers/sources.js';

/**
 * A reset of the database empties PRODUCT_CACHES: a cache defined in lib/ but missing from the
 * list would keep answering for rows whose ids the reset gave to others. Domains define their
 * caches in lib/<domain>/cache.ts; lib/cache is the library itself.
 */

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
    const elsewhere = libSourceFiles().filter(
      (file) => !file.startsWith(join(LIB, 'cache/')) && !domainCacheFiles().includes(file) && /\bcreateCache\(/.test(readFileSync(file, 'utf8')),
    );

    expect(elsewhere).toEqual([]);
  });
});
