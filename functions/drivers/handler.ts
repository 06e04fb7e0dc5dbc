import { created } from '../../lib/http/index.js';
import {
  changeDriver,
  createDriver,
  deactivateDriver,
  driversApi,
  getDriverDetail,
  getMyDriver,
  getMyStatistics,
  getStatistics,
  listDriversPage,
} from '../../lib/drivers/index.js';
import { routeByKey, serveRoute } from '../../lib/router/index.js';

/** Drivers (SPEC 4): list, detail and statistics; a driver's own `me` views; admin create, update and deactivate. */
export const handler = routeByKey({
  ...serveRoute(driversApi.list, ({ query }) => listDriversPage(query)),
  ...serveRoute(driversApi.create, async ({ body }) => {
    const driver = await createDriver(body);
    return created(driver, `/api/v1/drivers/${driver.id}`);
  }),
  ...serveRoute(driversApi.me, ({ principal }) => getMyDriver(principal)),
  ...serveRoute(driversApi.myStatistics, ({ principal, query }) => getMyStatistics(principal, query)),
  ...serveRoute(driversApi.detail, ({ principal, path }) => getDriverDetail(principal, path.driverId)),
  ...serveRoute(driversApi.update, ({ path, body }) => changeDriver(path.driverId, body)),
  ...serveRoute(driversApi.deactivate, ({ path }) => deactivateDriver(path.driverId)),
  ...serveRoute(driversApi.statistics, ({ principal, path, query }) => getStatistics(principal, path.driverId, query)),
});
