export { driverEventsGroup, eventsCache } from './cache.js';
export { eventsApi } from './routes.js';
export * from './service.js';
export type * from './schemas.js';
