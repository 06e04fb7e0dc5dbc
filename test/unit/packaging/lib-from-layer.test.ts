import path from 'node:path';
import * as esbuild from 'esbuild';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../../scripts/lib/packaging.js';
import { LIB_PACKAGE, layerDependencies } from '../../../scripts/serverless/layers.mjs';
import { libFromLayerPlugin } from '../../../scripts/serverless/lib-imports.mjs';

/** One function bundled the way the layered packaging does it (in memory), with or without the plugin. */
async function bundle(entry: string | esbuild.StdinOptions, withPlugin: boolean): Promise<esbuild.BuildResult & { code: string }> {
  const { lib, deps } = await layerDependencies(ROOT, ['onnxruntime-node']);
  const result = await esbuild.build({
    ...(typeof entry === 'string' ? { entryPoints: [path.join(ROOT, entry)] } : { stdin: entry }),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    external: deps,
    plugins: withPlugin ? [libFromLayerPlugin({ libDir: path.join(ROOT, 'lib'), packageName: LIB_PACKAGE, libDependencies: lib })] : [],
    logLevel: 'silent',
  });
  return { ...result, code: result.outputFiles[0]?.text ?? '' };
}

describe('libFromLayerPlugin', () => {
  it('turns every import into lib/ into an external import of the same module of the layer package', async () => {
    const { code, warnings } = await bundle('functions/health/handler.ts', true);

    expect([...code.matchAll(/from "([^"]+)"/g)].map((match) => match[1]).sort()).toEqual([
      '@telematics/lib/health/index.js',
      '@telematics/lib/health/routes.js',
      '@telematics/lib/http/index.js',
      '@telematics/lib/router/index.js',
    ]);
    expect(code).not.toMatch(/^\/\/ (lib|node_modules)\//m);
    expect(warnings).toEqual([]);
  });

  it('is what keeps lib/ out of the bundle: without it the Postgres client module is bundled into the function', async () => {
    const { code } = await bundle('functions/health/handler.ts', false);

    expect(code).toMatch(/^\/\/ lib\/db\/client\.ts$/m);
    expect(code).not.toContain('@telematics/lib');
  });

  it('warns when a function imports a dependency of the library itself, since it then bundles a second copy', async () => {
    const { code, warnings } = await bundle(
      { contents: "import { z } from 'zod';\nexport const name = z.string();\n", resolveDir: path.join(ROOT, 'functions/health'), sourcefile: 'direct.ts', loader: 'ts' },
      true,
    );

    expect(warnings.map((warning) => warning.text)).toEqual([expect.stringMatching(/imports zod itself: the function bundles its own copy of zod/)]);
    expect(code).toMatch(/^\/\/ node_modules\/zod\//m);
  });
});
