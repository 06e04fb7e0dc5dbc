import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * Responses as handlers build them. A business function returns plain data (sent as 200 JSON)
 * or one of these when it needs another status, headers or caching; the middleware turns it into
 * the API Gateway v2 result and adds the correlation id.
 */

export const JSON_CONTENT_TYPE = 'application/json';

/**
 * Default for every response: API answers are per caller (tokens, own data), so shared caches must
 * not keep them. Routes that are safe to cache say so with `cacheControl`.
 */
export const NO_STORE = 'no-store';

export interface ResponseOptions {
  headers?: Readonly<Record<string, string>>;
  /** e.g. `private, max-age=60` for a dashboard; defaults to `no-store`. */
  cacheControl?: string;
}

export class HttpResponse {
  constructor(
    readonly status: number,
    readonly body: string | undefined,
    readonly headers: Readonly<Record<string, string>>,
  ) {}
}

function headersFor(contentType: string | undefined, options: ResponseOptions | undefined): Record<string, string> {
  const headers: Record<string, string> = { 'cache-control': options?.cacheControl ?? NO_STORE };
  if (contentType) headers['content-type'] = contentType;
  for (const [name, value] of Object.entries(options?.headers ?? {})) headers[name.toLowerCase()] = value;
  return headers;
}

export function json(body: unknown, status = 200, options?: ResponseOptions): HttpResponse {
  return new HttpResponse(status, JSON.stringify(body), headersFor(JSON_CONTENT_TYPE, options));
}

export function created(body: unknown, location?: string, options?: ResponseOptions): HttpResponse {
  const headers = location ? { ...options?.headers, location } : options?.headers;
  return json(body, 201, { ...options, headers });
}

export function noContent(options?: ResponseOptions): HttpResponse {
  return new HttpResponse(204, undefined, headersFor(undefined, options));
}

export function text(body: string, contentType: string, status = 200, options?: ResponseOptions): HttpResponse {
  return new HttpResponse(status, body, headersFor(contentType, options));
}

/** What a business function returned, as a response: `undefined` is 204, plain data is 200 JSON. */
export function asResponse(result: unknown): HttpResponse {
  if (result instanceof HttpResponse) return result;
  if (result === undefined) return noContent();
  return json(result);
}

/** The API Gateway HTTP API (payload v2) result, echoing the correlation id. */
export function toApiGatewayResult(response: HttpResponse, correlationId: string): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: response.status,
    headers: { ...response.headers, 'x-correlation-id': correlationId },
    ...(response.body === undefined ? {} : { body: response.body }),
  };
}
