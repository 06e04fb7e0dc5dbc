import { getMyRiskHistory, getMyRiskScore, getRiskHistory, getRiskScore, riskApi } from '../../lib/risk/index.js';
import { routeByKey, serveRoute } from '../../lib/router/index.js';

/** Risk (SPEC 4): a driver's current score and its history. */
export const handler = routeByKey({
  ...serveRoute(riskApi.myCurrent, ({ principal }) => getMyRiskScore(principal)),
  ...serveRoute(riskApi.myHistory, ({ principal, query }) => getMyRiskHistory(principal, query)),
  ...serveRoute(riskApi.current, ({ principal, path }) => getRiskScore(principal, path.driverId)),
  ...serveRoute(riskApi.history, ({ principal, path, query }) => getRiskHistory(principal, path.driverId, query)),
});
