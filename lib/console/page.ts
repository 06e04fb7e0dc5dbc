import { getConfig } from '../config/index.js';
import { text, type HttpResponse } from '../http/index.js';
import { CONSOLE_CONTENT_TYPES, readConsoleAsset, type ConsoleAssetName } from './assets.js';

/**
 * The console page: a shell that loads the bundled script and style sheet from this API and names
 * the WebSocket push URL in a meta tag. No inline script or style, no other origin than this API
 * and the push API, so the Content-Security-Policy can be strict.
 */

/**
 * The URL a browser opens the WebSocket push API at: the Management API endpoint lib/push posts to
 * (PUSH_ENDPOINT) is the same API, `https://` becoming `wss://` (`http://` and `ws://` locally).
 * Refused unless it is a plain URL, since it goes into the page and its Content-Security-Policy.
 */
export function pushSocketUrl(pushEndpoint: string): string {
  const url = pushEndpoint.replace(/^http/, 'ws');
  if (!/^wss?:\/\/[\w.-]+(:\d+)?(\/[\w.~%$-]*)*$/.test(url)) throw new Error(`PUSH_ENDPOINT ${pushEndpoint} cannot be named in the console's page and policy`);
  return url;
}

export function consoleSecurityPolicy(pushUrl: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${pushUrl}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function securityHeaders(pushUrl: string): Record<string, string> {
  return {
    'content-security-policy': consoleSecurityPolicy(pushUrl),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

function page(pushUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="telematics-push-url" content="${pushUrl}">
  <title>Telematics console</title>
  <link rel="icon" href="data:,">
  <link rel="stylesheet" href="/console/console.css">
  <script type="module" src="/console/console.js"></script>
</head>
<body>
  <main id="app">Loading the console...</main>
</body>
</html>
`;
}

/**
 * The page and its headers for the configured push endpoint, worked out once per instance (again
 * only when the configuration changes, as tests do), not on every request.
 */
let site: { endpoint: string; page: string; headers: Record<string, string> } | undefined;

function configuredSite(): { page: string; headers: Record<string, string> } {
  const { endpoint } = getConfig().push;
  if (site?.endpoint !== endpoint) {
    const pushUrl = pushSocketUrl(endpoint);
    site = { endpoint, page: page(pushUrl), headers: securityHeaders(pushUrl) };
  }
  return site;
}

export function consolePage(): HttpResponse {
  const { page: html, headers } = configuredSite();
  return text(html, 'text/html; charset=utf-8', 200, { headers, cacheControl: 'no-cache' });
}

export function consoleAsset(name: ConsoleAssetName): HttpResponse {
  return text(readConsoleAsset(name), CONSOLE_CONTENT_TYPES[name], 200, { headers: configuredSite().headers, cacheControl: 'no-cache' });
}
