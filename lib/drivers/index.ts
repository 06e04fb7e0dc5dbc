export { DRIVER_LIST_GROUP, driverGroup, driversCache, driverStatisticsGroup } from './cache.js';
export { driversApi } from './routes.js';
export * from './service.js';
export type * from './schemas.js';
