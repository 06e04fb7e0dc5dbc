import { notImplemented, routeByKey } from '../../lib/router/index.js';

/** Admin dashboard (SPEC 4): fleet summary, trip activity per day, risk distribution, safety events. */
export const handler = routeByKey({
  'GET /api/v1/admin/dashboard/summary': notImplemented,
  'GET /api/v1/admin/dashboard/trip-activity': notImplemented,
  'GET /api/v1/admin/dashboard/risk-distribution': notImplemented,
  'GET /api/v1/admin/dashboard/safety-events': notImplemented,
});
