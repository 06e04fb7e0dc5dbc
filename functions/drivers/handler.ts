import { notImplemented, routeByKey } from '../../lib/router/index.js';

/** Drivers (SPEC 4): list, detail and statistics; a driver's own `me` views; admin create, update and deactivate. */
export const handler = routeByKey({
  'GET /api/v1/drivers': notImplemented,
  'POST /api/v1/drivers': notImplemented,
  'GET /api/v1/drivers/me': notImplemented,
  'GET /api/v1/drivers/me/statistics': notImplemented,
  'GET /api/v1/drivers/{driverId}': notImplemented,
  'PATCH /api/v1/drivers/{driverId}': notImplemented,
  'DELETE /api/v1/drivers/{driverId}': notImplemented,
  'GET /api/v1/drivers/{driverId}/statistics': notImplemented,
});
