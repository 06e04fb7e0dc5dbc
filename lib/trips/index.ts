export { driverTripsGroup, tripGroup, tripsCache } from './cache.js';
export { tripsApi } from './routes.js';
export * from './service.js';
export type * from './schemas.js';
