import { issueToken, type Principal } from '../../lib/auth/index.js';
import type { HttpApiHandler } from '../../lib/middleware/index.js';
import { routeKeyOf, type RouteSpec } from '../../lib/router/index.js';
import { httpEvent, lambdaContext } from './lambda.js';

/** Calling a route's handler in-process, as API Gateway would, with a real signed token. */

export interface RouteCall {
  /** Who calls; anonymous when absent. */
  as?: Principal;
  path?: Record<string, string | number>;
  query?: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteAnswer<T = unknown> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/** The concrete path of a route template, e.g. `/api/v1/drivers/{driverId}` with `{ driverId: 7 }`. */
export function pathOf(spec: Pick<RouteSpec, 'path'>, params: Record<string, string | number> = {}): string {
  return spec.path.replace(/\{(\w+)\}/g, (_match, name: string) => encodeURIComponent(String(params[name])));
}

export async function callRoute<T = unknown>(handler: HttpApiHandler, spec: RouteSpec, call: RouteCall = {}): Promise<RouteAnswer<T>> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.as) headers.authorization = `Bearer ${(await issueToken(call.as)).token}`;
  if (call.body !== undefined) headers['content-type'] ??= 'application/json';
  const event = httpEvent({
    method: spec.method,
    path: pathOf(spec, call.path),
    routeKey: routeKeyOf(spec),
    headers,
    ...(call.query ? { query: call.query } : {}),
    ...(call.path ? { pathParameters: Object.fromEntries(Object.entries(call.path).map(([k, v]) => [k, String(v)])) } : {}),
    ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
  });
  const result = (await handler(event, lambdaContext()));
  const text = result.body ?? '';
  const contentType = String(result.headers?.['content-type'] ?? '');
  return {
    status: result.statusCode ?? 200,
    headers: Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)])),
    body: (contentType.includes('json') && text ? JSON.parse(text) : text) as T,
  };
}

export const adminPrincipal: Principal = { userId: 1, role: 'admin', driverId: null };

export function driverPrincipal(driverId: number, userId = 100_000 + driverId): Principal {
  return { userId, role: 'driver', driverId };
}
