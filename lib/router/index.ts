import { NotFoundError, NotImplementedError } from '../errors/index.js';
import { httpHandler, type HttpApiHandler } from '../middleware/index.js';

/**
 * Dispatch inside an HTTP function. Each function serves the routes of one concern (serverless.yml
 * lists them) and API Gateway names the matched route in `event.routeKey`, e.g.
 * `GET /api/v1/drivers/{driverId}`, so dispatch is a lookup, never path parsing. The keys are the
 * routes exactly as serverless.yml declares them.
 *
 * @example
 * export const handler = routeByKey({
 *   'GET /api/v1/drivers': httpHandler({ route: 'GET /api/v1/drivers', auth: 'admin' }, listDrivers),
 *   'GET /api/v1/drivers/{driverId}': httpHandler({ route: 'GET /api/v1/drivers/{driverId}', auth: 'driver' }, getDriver),
 * });
 */

export type RouteTable = Readonly<Record<string, HttpApiHandler>>;

export function routeByKey(routes: RouteTable): HttpApiHandler {
  // Only reachable when serverless.yml sends a route here that the table does not list.
  const unmatched = httpHandler({ route: 'unmatched', auth: 'public' }, ({ event }) =>
    Promise.reject(new NotFoundError(`No handler for ${event.routeKey}`)),
  );
  return (event, context) => (routes[event.routeKey] ?? unmatched)(event, context);
}

/** A route whose issue has not landed yet: 501 with the product's JSON error shape. */
export function notImplemented(route: string): HttpApiHandler {
  return httpHandler({ route, auth: 'public' }, () => Promise.reject(new NotImplementedError(`${route} is not implemented yet`)));
}
