import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { libSourceFiles } from '../../helpers/sources.js';

/**
 * lib/ has no import cycle, type-only imports included: a cycle makes module initialisation order
 * matter (a value read before its module ran is undefined) and says two files are one concern
 * split in the wrong place. Paid off once (cache.ts/runtime.ts, metrics and scoring notify); this
 * keeps it paid.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Relative module specifiers of `import`/`export ... from` statements and dynamic `import()`. */
const SPECIFIER = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+['"](\.[^'"]+)['"]|(?:^|\n)\s*import\s+['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** The files a source file imports from lib/ (ESM specifiers name `.js`; the source is `.ts`). */
function importsOf(file: string, source: string): string[] {
  const targets: string[] = [];
  for (const match of source.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    if (!specifier) continue;
    const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
    targets.push(target.endsWith('.ts') ? target : join(target, 'index.ts'));
  }
  return targets;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

describe('the import graph of lib/', () => {
  it('has no cycle, type-only imports included', () => {
    const files = libSourceFiles();
    const graph = new Map(files.map((file) => [file, importsOf(file, readFileSync(file, 'utf8'))]));

    expect(files.length).toBeGreaterThan(100);
    expect(cyclesOf(graph).map((cycle) => cycle.map((file) => relative(ROOT, file)))).toEqual([]);
  });

  it('finds a cycle through type-only, re-export and dynamic imports (the check can fail)', () => {
    const sources: Record<string, string> = {
      '/x/a.ts': "import type { B } from './b.js';\nexport const a = 1;",
      '/x/b.ts': "export { c } from './c/index.js';\nexport type B = number;",
      '/x/c/index.ts': "export const c = () => import('../a.js');",
      '/x/d.ts': "import { a } from './a.js';\nimport './d.js';",
    };
    const graph = new Map(Object.entries(sources).map(([file, source]) => [file, importsOf(file, source)]));

    expect(cyclesOf(graph)).toEqual([['/x/a.ts', '/x/b.ts', '/x/c/index.ts'], ['/x/d.ts']]);
  });
});
