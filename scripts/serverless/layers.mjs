// Assembles the two Lambda layers from the project itself, offline (no registry, no AWS):
//
//   lib   nodejs/node_modules/@telematics/lib/   lib/ and the production dependencies it uses,
//                                                compiled to ESM: one entry per lib module at its
//                                                own path (db/index.js), shared code in chunks/
//   deps  nodejs/node_modules/<package>/          the packages named in custom.packaging.depsLayer
//                                                 (native or heavy: onnxruntime-node, linux-x64 only)
//         + everything checked in under layers/deps/ (the risk model)
//         + console/                                  the console's bundled assets (web/console)
//
// Nothing is listed by hand: the library is every module under lib/, its dependencies whatever it
// imports from package.json `dependencies`; the deps layer's packages are copied with everything
// they depend on, found in node_modules the way Node resolves them (nested copies keep their
// place). The two layers never hold the same package: the lib layer leaves the deps layer's
// packages external, and both are attached to every function.
import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { buildConsole } from '../console/build.mjs';

/** The package name functions import the library by once it ships as a layer. */
export const LIB_PACKAGE = '@telematics/lib';
/** Where `serverless.yml` `layers.<name>.path` points. */
export const LAYER_DIRS = { lib: '.build/layers/lib', deps: '.build/layers/deps' };

// Files no running code reads: typings, TypeScript sources, source maps of dependencies, docs,
// tool configuration. Licences and notices always stay.
const KEPT_ALWAYS = /^(licen[cs]e|notice|copying)/i;
const LEFT_OUT_FILE = /(\.d\.[cm]?ts|\.[cm]?tsx?|\.map|\.md|\.markdown|\.tsbuildinfo)$|^(\.npmignore|\.eslintrc.*|\.prettierrc.*|\.editorconfig|\.travis\.yml|tsconfig.*\.json)$/i;
const LEFT_OUT_DIR = /^(node_modules|\.github|\.vscode)$/;
// Native binaries for other platforms (Lambda here is x86_64 Linux): napi-v<N>/<platform>/<arch>/
// (onnxruntime-node) and prebuilds/<platform>-<arch>/ layouts.
const FOREIGN_BINARY = /(^|\/)(napi-v\d+\/(?!linux\/x64(\/|$))[^/]+\/[^/]+|prebuilds\/(?!linux-x64)[^/]+)(\/|$)/;

/** @param {string} file */
async function readJson(file) {
  return JSON.parse(await readFile(file, 'utf8'));
}

/**
 * The folder Node would load `name` from when `fromDir` requires it (node_modules lookup up to root).
 * @param {string} root @param {string} fromDir @param {string} name @returns {string | undefined}
 */
function locate(root, fromDir, name) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === path.dirname(dir)) return undefined;
  }
}

/**
 * Every installed package `names` need at run time, as folders relative to `root`
 * (`node_modules/a`, `node_modules/a/node_modules/b`): dependencies, installed optional
 * dependencies, installed peers.
 * @param {string} root @param {string[]} names @returns {Promise<Map<string, string>>} folder -> package name
 */
export async function dependencyFolders(root, names) {
  /** @type {Map<string, string>} */
  const found = new Map();
  const visit = async (fromDir, name, required) => {
    const dir = locate(root, fromDir, name);
    if (dir === undefined) {
      if (!required) return;
      throw new Error(`${name} (needed by ${path.relative(root, fromDir) || 'package.json'}) is not installed; run npm ci`);
    }
    const folder = path.relative(root, dir);
    if (found.has(folder)) return;
    found.set(folder, name);
    const manifest = await readJson(path.join(dir, 'package.json'));
    for (const dependency of Object.keys(manifest.dependencies ?? {})) await visit(dir, dependency, true);
    for (const dependency of Object.keys(manifest.optionalDependencies ?? {})) await visit(dir, dependency, false);
    for (const dependency of Object.keys(manifest.peerDependencies ?? {})) await visit(dir, dependency, false);
  };
  for (const name of names) await visit(root, name, true);
  return found;
}

/**
 * The project's production dependencies split between the layers: `deps` as configured, `lib` the rest.
 * @param {string} root @param {string[]} depsLayerPackages
 * @returns {Promise<{ lib: string[], deps: string[] }>}
 */
export async function layerDependencies(root, depsLayerPackages) {
  const production = Object.keys((await readJson(path.join(root, 'package.json'))).dependencies ?? {});
  const unknown = depsLayerPackages.filter((name) => !production.includes(name));
  if (unknown.length > 0) throw new Error(`custom.packaging.depsLayer names ${unknown.join(', ')}, not in package.json dependencies`);
  return { lib: production.filter((name) => !depsLayerPackages.includes(name)), deps: depsLayerPackages };
}

/** Copies one package folder without its nested node_modules and without files nothing runs. */
async function copyPackage(from, to) {
  const entries = await readdir(from, { withFileTypes: true, recursive: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const relative = path.relative(from, path.join(entry.parentPath, entry.name));
    const segments = relative.split(path.sep);
    if (segments.slice(0, -1).some((segment) => LEFT_OUT_DIR.test(segment))) continue;
    if (FOREIGN_BINARY.test(segments.join('/'))) continue;
    if (!KEPT_ALWAYS.test(entry.name) && LEFT_OUT_FILE.test(entry.name)) continue;
    await mkdir(path.join(to, path.dirname(relative)), { recursive: true });
    await cp(path.join(from, relative), path.join(to, relative));
  }
}

/** Copies the packages (folders relative to root) into the layer's nodejs/ folder, same relative layout. */
async function copyFolders(root, folders, layerDir) {
  for (const folder of folders) await copyPackage(path.join(root, folder), path.join(layerDir, 'nodejs', folder));
}

/** @param {string} dir @returns {Promise<number>} bytes of every file under dir */
async function folderBytes(dir) {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/**
 * lib/ and the dependencies it uses, compiled into the layer package: one entry file per lib module
 * at its own path (db/client.js for lib/db/client.ts), all code shared between entries in
 * chunks/. esbuild puts each module, of lib/ or of a dependency, in exactly one output file, so
 * whichever entries a function imports, each module (the Postgres pool, the Redis client) exists
 * once in the container. Only code lib/ reaches ships, in a few dozen files instead of the
 * dependencies' hundreds (bench:package measured the per-file layout at twice the CPU to import).
 * @param {string} root @param {string} packageDir @param {string[]} external the deps layer's packages
 * @returns {Promise<number>} how many lib modules it holds
 */
async function compileLibrary(root, packageDir, external) {
  const libDir = path.join(root, 'lib');
  const sources = (await readdir(libDir, { withFileTypes: true, recursive: true }))
    .filter((entry) => entry.isFile() && /\.[cm]?ts$/.test(entry.name) && !/\.d\.[cm]?ts$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
  await esbuild.build({
    entryPoints: sources,
    outbase: libDir,
    outdir: packageDir,
    bundle: true,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: 'node24',
    mainFields: ['module', 'main'],
    external,
    // Bundled CommonJS dependencies still call require(); give the ESM output one (as the functions' bundles do).
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    // Stack traces point into lib/ (NODE_OPTIONS=--enable-source-maps); the maps carry line mappings
    // only, not the sources, since Node reads and parses each one when its module loads.
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
  });
  const project = await readJson(path.join(root, 'package.json'));
  const manifest = {
    name: LIB_PACKAGE,
    version: project.version,
    private: true,
    description: `lib/ of ${project.name} with its production dependencies, compiled for the lib Lambda layer`,
    type: 'module',
    // Every module by its path, as functions import it: @telematics/lib/db/index.js.
    exports: { './*': './*' },
  };
  await writeFile(path.join(packageDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return sources.length;
}

/**
 * Builds one layer into its folder (emptied first) and returns what it holds.
 * @param {string} root @param {'lib' | 'deps'} name @param {{ depsLayer: string[] }} options
 * @returns {Promise<{ dir: string, bytes: number, packages: number, modules?: number }>} modules: lib's, for the lib layer
 */
export async function buildLayer(root, name, { depsLayer }) {
  const dir = path.join(root, LAYER_DIRS[name]);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const { deps } = await layerDependencies(root, depsLayer);
  if (name === 'lib') {
    const modules = await compileLibrary(root, path.join(dir, 'nodejs/node_modules', LIB_PACKAGE), deps);
    return { dir, bytes: await folderBytes(dir), packages: 1, modules };
  }
  const folders = await dependencyFolders(root, deps);
  await copyFolders(root, folders.keys(), dir);
  // Checked-in layer content: the model file and anything else functions read from /opt.
  if (existsSync(path.join(root, 'layers/deps'))) await cp(path.join(root, 'layers/deps'), dir, { recursive: true });
  // Files the console function serves, built fresh so a package never ships a stale console.
  await buildConsole({ root, outDir: path.join(dir, 'console') });
  return { dir, bytes: await folderBytes(dir), packages: folders.size };
}
