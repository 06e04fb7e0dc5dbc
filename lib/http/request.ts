import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors/index.js';
import { validationError } from '../validation/index.js';

/** Reading API Gateway HTTP API (payload v2) requests. */

/**
 * A request header by name. API Gateway lower-cases header names in v2 events; other sources
 * (hand-built test events, proxies) may not, so fall back to a case-insensitive scan.
 */
export function headerOf(event: Pick<APIGatewayProxyEventV2, 'headers'>, name: string): string | undefined {
  const headers = event.headers ?? {};
  const lower = name.toLowerCase();
  const direct = headers[lower];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === lower) return value;
  }
  return undefined;
}

/** `application/json` and structured-syntax JSON types such as `application/problem+json`. */
function isJsonMediaType(contentType: string): boolean {
  const [mediaType = '', ...params] = contentType.split(';').map((part) => part.trim().toLowerCase());
  if (mediaType !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(mediaType)) return false;
  // JSON is UTF-8 on the wire (RFC 8259); a declared charset may only say so.
  const charset = params.find((param) => param.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  return charset === undefined || charset === 'utf-8' || charset === 'utf8';
}

/**
 * The request body parsed as JSON, or undefined when there is none.
 * Throws 413 above `maxBytes` (checked before decoding or parsing anything), 415 when a body is
 * not declared as JSON, and 400 naming the problem when it is not valid JSON.
 */
export function readJsonBody(event: Pick<APIGatewayProxyEventV2, 'body' | 'isBase64Encoded' | 'headers'>, maxBytes: number): unknown {
  const raw = bodyText(event.body as unknown);
  if (raw === undefined || raw === '') return undefined;

  // Base64 carries 3 bytes in 4 characters; estimate first so a huge body is never decoded.
  const estimatedBytes = event.isBase64Encoded ? Math.floor((raw.length * 3) / 4) : Buffer.byteLength(raw, 'utf8');
  if (estimatedBytes > maxBytes + 3) throw tooLarge(estimatedBytes, maxBytes);
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : undefined;
  const size = bytes ? bytes.length : estimatedBytes;
  if (size > maxBytes) throw tooLarge(size, maxBytes);

  const contentType = headerOf(event, 'content-type');
  if (!contentType || !isJsonMediaType(contentType)) {
    throw new UnsupportedMediaTypeError(
      contentType
        ? `Content-Type must be application/json (UTF-8), got "${contentType.slice(0, 100)}"`
        : 'Content-Type must be application/json when a request has a body',
    );
  }

  const textBody = bytes ? bytes.toString('utf8') : raw;
  try {
    return JSON.parse(textBody) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'unreadable';
    throw validationError([{ field: 'body', message: `is not valid JSON: ${reason}` }]);
  }
}

/**
 * The body as the text the client sent. API Gateway always passes a string; serverless-offline
 * passes a JSON scalar body (`false`, `3`) already parsed, so it is turned back into its text.
 */
function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

function tooLarge(size: number, maxBytes: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`Request body is ${size} bytes; the limit is ${maxBytes} bytes`);
}
