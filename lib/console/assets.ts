import { join } from 'node:path';
import { servedFiles } from '../http/index.js';

/**
 * The console's bundled assets (scripts/console/build.mjs compiles web/console into them). They
 * ship in the deps layer beside swagger-ui-dist (`/opt/console` on Lambda); locally, where offline
 * loads no layers, they are read from the build folder of the project. Read once per instance.
 */

export const CONSOLE_ASSET_NAMES = ['console.js', 'console.css'] as const;
export type ConsoleAssetName = (typeof CONSOLE_ASSET_NAMES)[number];

export const CONSOLE_CONTENT_TYPES: Readonly<Record<ConsoleAssetName, string>> = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/** Where the build puts the assets, relative to the project (and the deps layer's folder on Lambda). */
export const CONSOLE_BUILD_DIR = '.build/console';
const ASSET_DIRS = ['/opt/console', join(process.cwd(), CONSOLE_BUILD_DIR)];

export const readConsoleAsset: (name: ConsoleAssetName) => string = servedFiles(() => ASSET_DIRS, 'run npm run console:build');
