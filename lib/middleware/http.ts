import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { z } from 'zod';
import { assertAccess, bearerToken, principalFromToken, type AccessLevel, type Principal } from '../auth/index.js';
import { getConfig } from '../config/index.js';
import { asResponse, headerOf, problemResponse, readJsonBody, toApiGatewayResult } from '../http/index.js';
import { correlationIdFrom, getCorrelationId, getLogger } from '../logger/index.js';
import { instrumentInstance } from '../observability/index.js';
import { observeHttpRequest } from '../metrics/index.js';
import { checkInput, validationError } from '../validation/index.js';
import { inInvocationScope, timing, type TimedInternal } from './invocation.js';

/**
 * The one middleware stack of HTTP API functions (API Gateway HTTP API, payload v2):
 *
 *   correlation id, route and Lambda context in the invocation scope (every log line carries them)
 *   -> timing, access log, metrics
 *   -> error mapping -> auth (Bearer token, active account, role) -> JSON body (size, type, syntax)
 *   -> validation of path, query and body -> the business function
 *
 * The business function receives typed, validated input and returns data (200 JSON), `undefined`
 * (204) or an `HttpResponse` from lib/http. Every answer carries `x-correlation-id`; every error
 * becomes the JSON problem of lib/http; EMF metrics are published once per invocation.
 */

type Schema = z.ZodType | undefined;
type Parsed<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

export interface HttpRouteOptions<P extends Schema, Q extends Schema, B extends Schema, A extends AccessLevel> {
  /** The route template, e.g. `GET /api/v1/drivers/{driverId}`: the metrics label and a log key. */
  route: string;
  /** `public`, `driver` (any signed-in user: drivers and admins) or `admin`. */
  auth: A;
  /** Wire names as the client sends them (`page_size`); problems are reported under those names. */
  schemas?: { path?: P; query?: Q; body?: B };
  /** Overrides `config.http.maxBodyBytes` for this route. */
  maxBodyBytes?: number;
}

export interface HttpRequest<P extends Schema, Q extends Schema, B extends Schema, A extends AccessLevel> {
  path: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  principal: A extends 'public' ? undefined : Principal;
  correlationId: string;
  event: APIGatewayProxyEventV2;
  context: Context;
}

export type HttpApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The event as it moves through the stack: as in middy's own parsers, middlewares attach what they
 * derive (the principal, the validated input) to the event the handler receives. It is a shallow
 * copy of the platform's event, so the caller's object is never changed.
 */
interface HttpEvent extends APIGatewayProxyEventV2 {
  principal?: Principal;
  input?: { path: unknown; query: unknown; body: unknown };
}

type HttpMiddleware = MiddlewareObj<HttpEvent, APIGatewayProxyStructuredResultV2, Error, Context, TimedInternal>;

function currentCorrelationId(): string {
  // Always set by `httpHandler` before middy runs; the fallback only guards direct misuse.
  return getCorrelationId() ?? correlationIdFrom();
}

/** Request duration by route and status, plus one access log line per request. */
function observe(route: string): HttpMiddleware {
  return timing((request, durationMs) => {
    const status = request.response?.statusCode ?? 500;
    observeHttpRequest(route, status, durationMs);
    getLogger().info('request completed', { status, duration_ms: Math.round(durationMs * 10) / 10 });
  });
}

/** Any error from the layers below becomes the JSON problem response. */
function mapErrors(): HttpMiddleware {
  return {
    onError: (request) => {
      const correlationId = currentCorrelationId();
      request.response = toApiGatewayResult(problemResponse(request.error, correlationId), correlationId);
    },
  };
}

/**
 * Verifies the Bearer token and that its account is still active (401: a deactivated user's
 * token is refused on every route, whatever its role), then the role the route needs (403).
 */
function authorize(level: AccessLevel): HttpMiddleware {
  return {
    before: async (request) => {
      if (level === 'public') return;
      const principal = await principalFromToken(bearerToken(headerOf(request.event, 'authorization')));
      assertAccess(principal, level);
      request.event.principal = principal;
    },
  };
}

/**
 * A route without a query schema takes no query parameters: an unknown parameter is a 400 naming
 * it on every route alike (as the API document says), never silently ignored on some.
 */
const NO_QUERY_PARAMETERS = z.strictObject({});

/** Parses the body and validates path, query and body together, so one answer lists every problem. */
function validateInput(schemas: { path?: Schema; query?: Schema; body?: Schema }, maxBodyBytes: number | undefined): HttpMiddleware {
  return {
    before: (request) => {
      const { event } = request;
      const rawBody = schemas.body ? readJsonBody(event, maxBodyBytes ?? getConfig().http.maxBodyBytes) : undefined;
      const checks = [
        schemas.path ? checkInput(schemas.path, event.pathParameters ?? {}, 'path') : undefined,
        checkInput(schemas.query ?? NO_QUERY_PARAMETERS, event.queryStringParameters ?? {}, 'query'),
        schemas.body ? checkInput(schemas.body, rawBody, 'body') : undefined,
      ] as const;
      const problems = checks.flatMap((check) => (check && !check.ok ? check.problems : []));
      if (problems.length > 0) throw validationError(problems);
      const [path, query, body] = checks.map((check) => (check?.ok ? check.data : undefined));
      request.event.input = { path, query: schemas.query ? query : undefined, body };
    },
  };
}

/**
 * Wraps a business function in the HTTP stack. The function returns (or resolves to) data,
 * `undefined` or an `HttpResponse`.
 *
 * @example
 * export const handler = httpHandler(
 *   { route: 'GET /api/v1/drivers/{driverId}', auth: 'driver', schemas: { path: z.object({ driverId: idParam() }) } },
 *   async ({ path, principal }) => {
 *     assertCanReadDriver(principal, path.driverId);
 *     return getDriver(path.driverId);
 *   },
 * );
 */
export function httpHandler<P extends Schema = undefined, Q extends Schema = undefined, B extends Schema = undefined, A extends AccessLevel = AccessLevel>(
  options: HttpRouteOptions<P, Q, B, A>,
  business: (request: HttpRequest<P, Q, B, A>) => unknown,
): HttpApiHandler {
  instrumentInstance();
  const stack = middy<HttpEvent, APIGatewayProxyStructuredResultV2, Error, Context, TimedInternal>()
    .use(observe(options.route))
    .use(mapErrors())
    .use(authorize(options.auth))
    .use(validateInput(options.schemas ?? {}, options.maxBodyBytes))
    .handler(async ({ input, principal, ...event }, context) => {
      const correlationId = currentCorrelationId();
      const result = await business({
        path: input?.path as Parsed<P>,
        query: input?.query as Parsed<Q>,
        body: input?.body as Parsed<B>,
        principal: principal as HttpRequest<P, Q, B, A>['principal'],
        correlationId,
        event,
        context,
      });
      return toApiGatewayResult(asResponse(result), correlationId);
    });

  return (event, context) => {
    const correlationId = correlationIdFrom(
      headerOf(event, 'x-correlation-id'),
      headerOf(event, 'x-request-id'),
      // The Lambda request id rather than API Gateway's: unique per invocation everywhere, while
      // serverless-offline gives every request the same requestContext.requestId.
      context.awsRequestId,
    );
    // The scope, not the shared logger, carries the per-request log keys: nothing to reset afterwards.
    return inInvocationScope(correlationId, { logKeys: { route: options.route }, lambdaContext: context }, async () => {
      try {
        return await stack({ ...event }, context);
      } catch (error) {
        // The error middleware answers every failure; this only guards a failure inside it.
        return toApiGatewayResult(problemResponse(error, correlationId), correlationId);
      }
    });
  };
}
