import { notImplemented, routeByKey } from '../../lib/router/index.js';

/** Pricing (SPEC 4): a driver's current premium with its breakdown. */
export const handler = routeByKey({
  'GET /api/v1/drivers/me/premium': notImplemented,
  'GET /api/v1/drivers/{driverId}/premium': notImplemented,
});
