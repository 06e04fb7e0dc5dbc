import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PRODUCT_CACHES } from '../../../lib/seed/dataset.js';

/**
 * A reset of the database empties PRODUCT_CACHES: a cache defined in lib/ but missing from the
 * list would keep answering for rows whose ids the reset gave to others.
 */

const LIB = fileURLToPath(new URL('../../../lib/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('the caches a reset empties', () => {
  it('are every cache lib/ defines', () => {
    // lib/cache is the library (its comments show a definition); the caches are the domains'.
    const domainFiles = sourceFiles(LIB).filter((file) => !file.startsWith(join(LIB, 'cache/')));
    const defined = domainFiles.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/createCache\(\{\s*name:\s*'([^']+)'/g)].map((match) => match[1]),
    );

    expect(defined.length).toBeGreaterThan(0);
    expect([...PRODUCT_CACHES].sort()).toEqual(defined.sort());
  });
});
