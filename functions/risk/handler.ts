import { notImplemented, routeByKey } from '../../lib/router/index.js';

/** Risk (SPEC 4): a driver's current score and its history. */
export const handler = routeByKey({
  'GET /api/v1/drivers/me/risk': notImplemented,
  'GET /api/v1/drivers/me/risk/history': notImplemented,
  'GET /api/v1/drivers/{driverId}/risk': notImplemented,
  'GET /api/v1/drivers/{driverId}/risk/history': notImplemented,
});
