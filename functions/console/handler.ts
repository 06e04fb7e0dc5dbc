import { consoleApi, consoleAsset, consolePage } from '../../lib/console/index.js';
import { routeByKey, serveRoute } from '../../lib/router/index.js';

/** The operations console: its page and bundled assets (the page itself reads the public API and the push WebSocket). */
export const handler = routeByKey({
  ...serveRoute(consoleApi.page, () => consolePage()),
  ...serveRoute(consoleApi.asset, ({ path }) => consoleAsset(path.asset)),
});
