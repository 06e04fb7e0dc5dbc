export { driverRiskGroup, riskCache } from './cache.js';
export { riskApi } from './routes.js';
export * from './service.js';
export type * from './schemas.js';
