import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { NotFoundError } from '../errors/index.js';
import { servedFiles, text, type HttpResponse } from '../http/index.js';

/**
 * The human docs page: Swagger UI from the `swagger-ui-dist` package, served by this API (no CDN,
 * works offline), reading /openapi.json. Assets are read from the package once per instance.
 */

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Telematics API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/docs-init.js"></script>
</body>
</html>
`;

// No inline script, so the page works under a Content-Security-Policy of 'self'.
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true });\n`;

const PACKAGE_FILES: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'",
  'x-content-type-options': 'nosniff',
};
const ASSET_CACHE = 'public, max-age=86400';

const packageFile = servedFiles(() => [dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))], 'npm install swagger-ui-dist');

export function docsPage(): HttpResponse {
  return text(PAGE, 'text/html; charset=utf-8', 200, { headers: SECURITY_HEADERS, cacheControl: ASSET_CACHE });
}

export function docsAsset(asset: string): HttpResponse {
  if (asset === 'docs-init.js') return text(INIT, 'text/javascript; charset=utf-8', 200, { headers: SECURITY_HEADERS, cacheControl: ASSET_CACHE });
  const contentType = PACKAGE_FILES[asset];
  if (!contentType) throw new NotFoundError(`No documentation asset named ${asset}`);
  return text(packageFile(asset), contentType, 200, { headers: SECURITY_HEADERS, cacheControl: ASSET_CACHE });
}
