import type { z } from 'zod';
import type { AccessLevel } from '../auth/index.js';

/**
 * A route as the API documents it and the HTTP stack enforces it: the one description of its
 * method, path, access level, request schemas (wire names) and success response. Handlers serve it
 * (`serveRoute`), the OpenAPI document is generated from it (lib/openapi), and a test checks the
 * document lists exactly the routes serverless.yml declares.
 */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteSpec {
  method: HttpMethod;
  /** The path template as serverless.yml declares it, e.g. `/api/v1/drivers/{driverId}`. */
  path: string;
  /** Stable, unique operation name (the OpenAPI operationId), e.g. `listDrivers`. */
  operationId: string;
  /** The domain (OpenAPI tag), e.g. `drivers`. */
  tag: string;
  summary: string;
  description?: string;
  /** `public`, `driver` (any signed-in user: drivers and admins) or `admin`. */
  auth: AccessLevel;
  request?: { path?: z.ZodType; query?: z.ZodType; body?: z.ZodType };
  /** Overrides `config.http.maxBodyBytes` (documented on the operation). */
  maxBodyBytes?: number;
  /** The success answer; a route answering 204 has no schema. */
  response: { status: 200 | 201 | 202 | 204; description: string; schema?: z.ZodType; contentType?: string };
  /** Error statuses the route itself can answer besides the stack's (400, 401, 403, 413, 415, 503), e.g. 404, 409, 429. */
  errors?: readonly (401 | 404 | 409 | 429)[];
  /** Answers other than the success and the JSON problems, e.g. the health report's 503. */
  otherResponses?: Readonly<Record<number, { description: string; schema: z.ZodType }>>;
}

/** `GET /api/v1/drivers`: the key API Gateway puts in `event.routeKey`. */
export type RouteKey = `${HttpMethod} ${string}`;

export function routeKeyOf(spec: Pick<RouteSpec, 'method' | 'path'>): RouteKey {
  return `${spec.method} ${spec.path}`;
}

/** Declares a route; the `const` type parameter keeps its schemas' types for the handler. */
export function defineRoute<const S extends RouteSpec>(spec: S): S {
  return spec;
}
