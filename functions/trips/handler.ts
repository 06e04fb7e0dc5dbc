import { notImplemented, routeByKey } from '../../lib/router/index.js';

/** Trips (SPEC 4): a driver's trips, paginated, and one trip with its events. */
export const handler = routeByKey({
  'GET /api/v1/drivers/me/trips': notImplemented,
  'GET /api/v1/drivers/{driverId}/trips': notImplemented,
  'GET /api/v1/trips/{tripId}': notImplemented,
});
