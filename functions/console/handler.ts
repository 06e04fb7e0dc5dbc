import { getConfig } from '../../lib/config/index.js';
import { consoleApi, consoleAsset, consolePage } from '../../lib/console/index.js';
import { routeByKey, serveRoute } from '../../lib/router/index.js';

/** The operations console: its page and bundled assets (the page itself reads the public API). */
export const handler = routeByKey({
  ...serveRoute(consoleApi.page, () => consolePage(getConfig().console.pushUrl)),
  ...serveRoute(consoleApi.asset, ({ path }) => consoleAsset(path.asset, getConfig().console.pushUrl)),
});
