import type { z } from 'zod';
import { NotFoundError, NotImplementedError } from '../errors/index.js';
import { httpHandler, type HttpApiHandler, type HttpRequest } from '../middleware/index.js';
import { routeKeyOf, type RouteSpec } from './spec.js';

/**
 * Dispatch inside an HTTP function. Each function serves the routes of one concern (serverless.yml
 * lists them) and API Gateway names the matched route in `event.routeKey`, e.g.
 * `GET /api/v1/drivers/{driverId}`, so dispatch is a lookup, never path parsing. The keys are the
 * routes exactly as serverless.yml declares them: each value is a factory that receives its key and
 * builds the route's handler (once, at cold start).
 *
 * @example
 * export const handler = routeByKey({
 *   ...serveRoute(driversApi.list, ({ query }) => listDrivers(query)),
 *   ...serveRoute(driversApi.detail, ({ path, principal }) => getDriverDetail(principal, path.driverId)),
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

type Part<S extends RouteSpec, K extends 'path' | 'query' | 'body'> = S['request'] extends { [P in K]: infer T extends z.ZodType } ? T : undefined;

/** The validated request a route's business function receives. */
export type RouteRequest<S extends RouteSpec> = HttpRequest<Part<S, 'path'>, Part<S, 'query'>, Part<S, 'body'>, S['auth']>;

/**
 * The route table entry serving `spec`: the HTTP stack with the spec's access level, request
 * schemas and body limit, around `business`.
 */
export function serveRoute<const S extends RouteSpec>(spec: S, business: (request: RouteRequest<S>) => unknown): RouteTable {
  return {
    [routeKeyOf(spec)]: (route) =>
      httpHandler(
        {
          route,
          auth: spec.auth,
          schemas: spec.request as { path: Part<S, 'path'>; query: Part<S, 'query'>; body: Part<S, 'body'> } | undefined,
          ...(spec.maxBodyBytes === undefined ? {} : { maxBodyBytes: spec.maxBodyBytes }),
        },
        business,
      ),
  };
}

/** A route whose issue has not landed yet: 501 with the product's JSON error shape. */
export const notImplemented: RouteFactory = (route) =>
  httpHandler({ route, auth: 'public' }, () => Promise.reject(new NotImplementedError(`${route} is not implemented yet`)));
