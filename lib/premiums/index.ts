export { driverPremiumGroup, premiumsCache } from './cache.js';
export { premiumsApi } from './routes.js';
export * from './service.js';
export type * from './schemas.js';
