import { json } from '../../lib/http/index.js';
import { docsApi, docsAsset, docsPage, openApiDocument } from '../../lib/openapi/index.js';
import { routeByKey, serveRoute } from '../../lib/router/index.js';

/** The API's documentation: the OpenAPI 3.1 document and a human docs page. */
export const handler = routeByKey({
  ...serveRoute(docsApi.document, () => json(openApiDocument(), 200, { cacheControl: 'public, max-age=300' })),
  ...serveRoute(docsApi.page, () => docsPage()),
  ...serveRoute(docsApi.asset, ({ path }) => docsAsset(path.asset)),
});
