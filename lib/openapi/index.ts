export { API_ROUTES, openApiDocument } from './document.js';
export { docsApi } from './routes.js';
export { docsAsset, docsPage } from './docs-page.js';
