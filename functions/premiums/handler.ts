import { getMyPremium, getPremium, premiumsApi } from '../../lib/premiums/index.js';
import { routeByKey, serveRoute } from '../../lib/router/index.js';

/** Premiums (SPEC 4): a driver's current premium with its breakdown and reasons. */
export const handler = routeByKey({
  ...serveRoute(premiumsApi.mine, ({ principal }) => getMyPremium(principal)),
  ...serveRoute(premiumsApi.current, ({ principal, path }) => getPremium(principal, path.driverId)),
});
