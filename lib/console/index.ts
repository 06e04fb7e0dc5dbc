export { CONSOLE_ASSET_NAMES, CONSOLE_BUILD_DIR, type ConsoleAssetName } from './assets.js';
export { consoleAsset, consolePage, consoleSecurityPolicy, pushSocketUrl } from './page.js';
export { consoleApi } from './routes.js';
