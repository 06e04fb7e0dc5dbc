export { DASHBOARD_GROUP, dashboardCache } from './cache.js';
export { dashboardApi } from './routes.js';
export * from './service.js';
export type * from './schemas.js';
