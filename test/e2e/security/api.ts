import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { RouteSpec } from '../../../lib/router/index.js';
import { httpEvent, lambdaContext } from '../../helpers/lambda.js';
import { assertDocumentedResponse } from '../openapi-validator.js';

/**
 * How the security suite calls the API: a request names its route spec, path parameters, query,
 * body and token; every answer is checked against the OpenAPI document before the test sees it.
 * The transport is serverless-offline over HTTP, or (to prove the matrix can fail against a
 * deliberately weakened build) the functions' handlers called in-process.
 */

export interface ApiCall {
  spec: Pick<RouteSpec, 'method' | 'path'>;
  path?: Readonly<Record<string, string | number>>;
  query?: Readonly<Record<string, string>>;
  /** Sent as JSON with `content-type: application/json`. */
  body?: unknown;
  /** Sent exactly as given (no content type unless `headers` sets one). */
  rawBody?: string;
  headers?: Readonly<Record<string, string>>;
  token?: string;
}

export interface ApiAnswer {
  status: number;
  contentType: string | null;
  headers: Readonly<Record<string, string>>;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface WireRequest {
  method: string;
  routeKey: string;
  /** The concrete path, percent-encoded. */
  path: string;
  pathParameters: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string | undefined;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type Transport = (request: WireRequest) => Promise<WireResponse>;

/** serverless-offline (or any deployment) at `baseUrl`. */
export function httpTransport(baseUrl: string): Transport {
  return async (request) => {
    const search = new URLSearchParams(request.query).toString();
    const response = await fetch(`${baseUrl}${request.path}${search ? `?${search}` : ''}`, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
  };
}

type Handler = (event: ReturnType<typeof httpEvent>, context: ReturnType<typeof lambdaContext>) => Promise<APIGatewayProxyStructuredResultV2>;

/** The function handlers called in-process, each route sent to the handler `handlerOf` names. */
export function inProcessTransport(handlerOf: (routeKey: string) => Handler): Transport {
  return async (request) => {
    const result = await handlerOf(request.routeKey)(
      httpEvent({
        method: request.method,
        path: request.path,
        routeKey: request.routeKey,
        headers: request.headers,
        query: request.query,
        pathParameters: request.pathParameters,
        ...(request.body === undefined ? {} : { body: request.body }),
      }),
      lambdaContext(),
    );
    const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
    return { status: result.statusCode ?? 200, headers, body: result.body ?? '' };
  };
}

export function toWire(call: ApiCall): WireRequest {
  const pathParameters = Object.fromEntries(Object.entries(call.path ?? {}).map(([k, v]) => [k, String(v)]));
  const path = call.spec.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = pathParameters[name];
    if (value === undefined) throw new Error(`${call.spec.method} ${call.spec.path}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
  const headers: Record<string, string> = { ...call.headers };
  let body: string | undefined;
  if (call.rawBody !== undefined) body = call.rawBody;
  else if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers['content-type'] ??= 'application/json';
  }
  if (call.token !== undefined) headers.authorization = `Bearer ${call.token}`;
  return { method: call.spec.method, routeKey: `${call.spec.method} ${call.spec.path}`, path, pathParameters, query: { ...call.query }, headers, body };
}

/** Sends `call` and returns the answer, after checking it against the OpenAPI document. */
export async function send(transport: Transport, call: ApiCall): Promise<ApiAnswer> {
  const response = await transport(toWire(call));
  const contentType = response.headers['content-type'] ?? null;
  assertDocumentedResponse({ method: call.spec.method, route: call.spec.path, status: response.status, contentType, text: response.body });
  return {
    status: response.status,
    contentType,
    headers: response.headers,
    text: response.body,
    json: <T>() => JSON.parse(response.body) as T,
  };
}

/** What a test says about an error answer: `{"error":{"code","message",...}}` and nothing else at the top. */
export interface Problem {
  error: { code: string; message: string; fields?: { field: string; message: string }[]; correlation_id: string };
}
