export { CONSOLE_ASSET_NAMES } from './assets.js';
export { consoleAsset, consolePage, consoleSecurityPolicy, pushSocketUrl } from './page.js';
export { consoleApi } from './routes.js';
