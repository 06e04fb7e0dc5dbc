import { z } from 'zod';
import { defineRoute } from '../router/index.js';

/** The API's own documentation routes, served by functions/docs. */
export const docsApi = {
  document: defineRoute({
    method: 'GET', path: '/openapi.json', operationId: 'getOpenApiDocument', tag: 'operations', auth: 'public',
    summary: 'This API as an OpenAPI 3.1 document, generated from the schemas the handlers validate with',
    response: { status: 200, description: 'The OpenAPI document', schema: z.record(z.string(), z.unknown()) },
  }),
  page: defineRoute({
    method: 'GET', path: '/docs', operationId: 'getDocsPage', tag: 'operations', auth: 'public',
    summary: 'Human-readable API documentation (Swagger UI, served by this API, no CDN)',
    response: { status: 200, description: 'The documentation page', schema: z.string(), contentType: 'text/html' },
  }),
  asset: defineRoute({
    method: 'GET', path: '/docs/{asset}', operationId: 'getDocsAsset', tag: 'operations', auth: 'public',
    summary: "The documentation page's scripts and styles",
    request: { path: z.strictObject({ asset: z.string().max(64) }) },
    response: { status: 200, description: 'A script or a style sheet', schema: z.string(), contentType: 'text/*' },
    errors: [404],
  }),
};
