export { cacheAdminApi } from './routes.js';
export * from './service.js';
export type * from './schemas.js';
