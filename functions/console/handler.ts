import { getConfig } from '../../lib/config/index.js';
import { consoleApi, consoleAsset, consolePage, pushSocketUrl } from '../../lib/console/index.js';
import { routeByKey, serveRoute } from '../../lib/router/index.js';

/** The operations console: its page and bundled assets (the page itself reads the public API and the push WebSocket). */
const pushUrl = () => pushSocketUrl(getConfig().push.endpoint);

export const handler = routeByKey({
  ...serveRoute(consoleApi.page, () => consolePage(pushUrl())),
  ...serveRoute(consoleApi.asset, ({ path }) => consoleAsset(path.asset, pushUrl())),
});
