import { NotFoundError, NotImplementedError } from '../errors/index.js';
import { httpHandler, type HttpApiHandler } from '../middleware/index.js';

/**
 * Dispatch inside an HTTP function. Each function serves the routes of one concern (serverless.yml
 * lists them) and API Gateway names the matched route in `event.routeKey`, e.g.
 * `GET /api/v1/drivers/{driverId}`, so dispatch is a lookup, never path parsing. The keys are the
 * routes exactly as serverless.yml declares them, written once: each value is a factory that
 * receives its key and builds the route's handler (once, at cold start).
 *
 * @example
 * export const handler = routeByKey({
 *   'GET /api/v1/drivers': (route) => httpHandler({ route, auth: 'admin' }, listDrivers),
 *   'GET /api/v1/drivers/{driverId}/statistics': notImplemented,
 * });
 */

/** Builds the handler of one route from its route key (the metrics label and log key). */
export type RouteFactory = (route: string) => HttpApiHandler;
export type RouteTable = Readonly<Record<string, RouteFactory>>;

export function routeByKey(routes: RouteTable): HttpApiHandler {
  const handlers = new Map(Object.entries(routes).map(([route, build]) => [route, build(route)]));
  // Only reachable when serverless.yml sends a route here that the table does not list.
  const unmatched = httpHandler({ route: 'unmatched', auth: 'public' }, ({ event }) =>
    Promise.reject(new NotFoundError(`No handler for ${event.routeKey}`)),
  );
  return (event, context) => (handlers.get(event.routeKey) ?? unmatched)(event, context);
}

/** A route whose issue has not landed yet: 501 with the product's JSON error shape. */
export const notImplemented: RouteFactory = (route) =>
  httpHandler({ route, auth: 'public' }, () => Promise.reject(new NotImplementedError(`${route} is not implemented yet`)));
