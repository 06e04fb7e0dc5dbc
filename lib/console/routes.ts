import { z } from 'zod';
import { defineRoute } from '../router/index.js';
import { CONSOLE_ASSET_NAMES } from './assets.js';

/** The operations console's page and its bundled assets, served by functions/console. */
export const consoleApi = {
  page: defineRoute({
    method: 'GET', path: '/console', operationId: 'getConsolePage', tag: 'operations', auth: 'public',
    summary: 'The operations console: a web page for admins that reads this API and the WebSocket push API (no CDN)',
    description: 'The page signs in with POST /api/v1/auth/login; it carries no data itself.',
    response: { status: 200, description: 'The console page', schema: z.string(), contentType: 'text/html' },
  }),
  asset: defineRoute({
    method: 'GET', path: '/console/{asset}', operationId: 'getConsoleAsset', tag: 'operations', auth: 'public',
    summary: "The console's script and style sheet, built by scripts/console/build.mjs",
    request: { path: z.strictObject({ asset: z.enum(CONSOLE_ASSET_NAMES) }) },
    response: { status: 200, description: 'A script or a style sheet', schema: z.string(), contentType: 'text/*' },
  }),
};
