export { notImplemented, routeByKey, serveRoute, type RouteFactory, type RouteRequest, type RouteTable } from './route-table.js';
export { defineRoute, routeKeyOf, type HttpMethod, type RouteKey, type RouteSpec } from './spec.js';
