// Builds the operations console (web/console, TypeScript and CSS, with uPlot from node_modules)
// into two files, console.js and console.css, that functions/console serves: no CDN, works offline.
//
//   node scripts/console/build.mjs [outDir]     default .build/console (what npm run dev and the
//                                               browser test serve locally)
//
// Packaging calls buildConsole() while it assembles the deps layer (scripts/serverless/layers.mjs),
// which ships the files at /opt/console.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Kept equal to CONSOLE_BUILD_DIR in lib/console/assets.ts. */
export const CONSOLE_BUILD_DIR = '.build/console';

/**
 * @param {{ root?: string, outDir?: string }} [options]
 * @returns {Promise<{ outDir: string, files: string[] }>}
 */
export async function buildConsole({ root = ROOT, outDir = path.join(root, CONSOLE_BUILD_DIR) } = {}) {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: { console: 'web/console/main.ts' },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    minify: true,
    // The page's CSP allows scripts and styles from this API only, so everything is in the two files.
    loader: { '.css': 'css' },
    tsconfig: path.join(root, 'web/tsconfig.json'),
    legalComments: 'eof',
    metafile: true,
    logLevel: 'warning',
  });
  return { outDir, files: Object.keys(result.metafile.outputs).map((file) => path.relative(outDir, path.resolve(root, file))) };
}

// Run as a command. No top-level await: osls loads this module (through layers.mjs) with require().
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2] ? path.resolve(process.argv[2]) : undefined;
  buildConsole(outDir ? { outDir } : {}).then(
    ({ outDir: dir, files }) => console.log(`console: built ${files.join(', ')} in ${path.relative(process.cwd(), dir) || '.'}`),
    (error) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
