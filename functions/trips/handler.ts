import { routeByKey, serveRoute } from '../../lib/router/index.js';
import { getTrip, listMyTrips, listTrips, tripsApi } from '../../lib/trips/index.js';

/** Trips (SPEC 4): a driver's trips, paginated, and one trip with its events. */
export const handler = routeByKey({
  ...serveRoute(tripsApi.mine, ({ principal, query }) => listMyTrips(principal, query)),
  ...serveRoute(tripsApi.ofDriver, ({ principal, path, query }) => listTrips(principal, path.driverId, query)),
  ...serveRoute(tripsApi.one, ({ principal, path }) => getTrip(principal, path.tripId)),
});
