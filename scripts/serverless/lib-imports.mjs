// esbuild plugin for the layered packaging: every import that reaches into lib/ (functions import
// it by relative path, `../../lib/db/index.js`) becomes an external import of the same module in
// the lib layer's package (`@telematics/lib/db/index.js`). No file of lib/ is then bundled into a
// function, so a warm container holds one instance of each library module, the Postgres pool and
// the Redis client among them, loaded from /opt. Only applied when packaging; serverless-offline
// bundles lib/ from the project as before.
//
// The lib layer carries lib/'s dependencies compiled into it, not as packages: a function that
// imports one of them itself (say `zod`) bundles its own copy, a second instance beside lib's.
// That works, but is worth knowing: the plugin warns, naming the import.
import path from 'node:path';

/**
 * @param {{ libDir: string, packageName: string, libDependencies: string[] }} options
 * @returns {import('esbuild').Plugin}
 */
export function libFromLayerPlugin({ libDir, packageName, libDependencies }) {
  const inside = (file) => file.startsWith(libDir + path.sep);
  const libDependency = (specifier) => libDependencies.find((name) => specifier === name || specifier.startsWith(`${name}/`));
  return {
    name: 'lib-from-layer',
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, async (args) => {
        if (args.pluginData?.libFromLayer || !inside(path.resolve(args.resolveDir, args.path))) return undefined;
        // Resolved by esbuild itself, so extensionless or index imports map to the file they mean.
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { libFromLayer: true },
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        // The layer compiles each lib/<x>.ts to <x>.js (layers.mjs), JSON and other files stay as they are.
        const module = path.relative(libDir, resolved.path).split(path.sep).join('/').replace(/\.[cm]?tsx?$/, '.js');
        return { path: `${packageName}/${module}`, external: true };
      });
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        const dependency = libDependency(args.path);
        if (dependency === undefined || inside(args.importer)) return undefined;
        return {
          warnings: [{ text: `${path.relative(path.dirname(libDir), args.importer)} imports ${args.path} itself: the function bundles its own copy of ${dependency}, a second instance beside the lib layer's; reach it through lib/ instead` }],
        };
      });
    },
  };
}
