import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../../scripts/lib/packaging.js';
import { dependencyFolders, layerDependencies } from '../../../scripts/serverless/layers.mjs';

describe('layer dependencies', () => {
  it("splits package.json's production dependencies: the configured ones to deps, every other one to lib", async () => {
    const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const split = await layerDependencies(ROOT, ['onnxruntime-node']);

    expect(split.deps).toEqual(['onnxruntime-node']);
    expect([...split.lib, ...split.deps].sort()).toEqual(Object.keys(manifest.dependencies).sort());
  });

  it('refuses a deps layer package that is not a production dependency', async () => {
    await expect(layerDependencies(ROOT, ['vitest'])).rejects.toThrow(/depsLayer names vitest, not in package.json dependencies/);
  });

  it('finds what a package needs at run time as Node resolves it, and nothing only tools need', async () => {
    const folders = await dependencyFolders(ROOT, ['ioredis']);

    expect(folders.get('node_modules/ioredis')).toBe('ioredis');
    expect([...folders.values()]).toEqual(expect.arrayContaining(['denque', 'redis-parser', 'cluster-key-slot']));
    expect([...folders.values()]).not.toContain('vitest');
    expect([...folders.values()]).not.toContain('postgres');
  });
});
