import { dashboardApi, getRiskDistributionFigures, getSafetyEvents, getSummary, getTripActivity } from '../../lib/dashboard/index.js';
import { routeByKey, serveRoute } from '../../lib/router/index.js';

/** Admin dashboard (SPEC 4): fleet summary, trip activity per day, risk distribution, safety events. */
export const handler = routeByKey({
  ...serveRoute(dashboardApi.summary, ({ query }) => getSummary(query)),
  ...serveRoute(dashboardApi.tripActivity, ({ query }) => getTripActivity(query)),
  ...serveRoute(dashboardApi.riskDistribution, () => getRiskDistributionFigures()),
  ...serveRoute(dashboardApi.safetyEvents, ({ query }) => getSafetyEvents(query)),
});
