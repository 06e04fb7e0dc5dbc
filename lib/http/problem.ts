import { isAppError, UnavailableError, ValidationError, type AppError, type FieldProblem } from '../errors/index.js';
import { getLogger } from '../logger/index.js';
import { json, type HttpResponse } from './response.js';

/**
 * The one place where errors become HTTP answers. Every error response has the same JSON shape:
 *
 *   { "error": { "code": "validation_failed", "message": "query.page_size: must be ...",
 *                "fields": [{ "field": "query.page_size", "message": "must be ..." }],
 *                "correlation_id": "..." } }
 *
 * `AppError`s carry their status and a message meant for the client. Anything else is a bug or
 * an outage: the client gets a generic message and the correlation id, the log gets the stack.
 */

export interface ProblemBody {
  error: {
    code: string;
    message: string;
    fields?: FieldProblem[];
    correlation_id: string;
  };
}

const INTERNAL_ERROR_MESSAGE = 'An unexpected error occurred. Quote the correlation id when reporting it.';

/**
 * Failures of a dependency that say nothing about the request (connection refused or reset,
 * statement timeout, too many connections): 503 so clients and load balancers retry.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'CONNECT_TIMEOUT', // postgres.js
  'CONNECTION_CLOSED', // postgres.js
  'CONNECTION_ENDED', // postgres.js
  '57014', // PostgreSQL query_canceled (statement_timeout)
  '53300', // PostgreSQL too_many_connections
  '57P01', // PostgreSQL admin_shutdown
  '57P03', // PostgreSQL cannot_connect_now
]);

function isDependencyFailure(error: unknown): boolean {
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  // `TimeoutError`: middy's early timeout before the Lambda deadline, and AbortSignal.timeout().
  return (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) || name === 'TimeoutError';
}

function problem(error: AppError, correlationId: string): HttpResponse {
  const body: ProblemBody = {
    error: {
      code: error.code,
      message: error.message,
      ...(error instanceof ValidationError && error.fields.length > 0 ? { fields: error.fields } : {}),
      correlation_id: correlationId,
    },
  };
  const headers: Record<string, string> = {};
  if (error.status === 401) headers['www-authenticate'] = 'Bearer';
  if (error.status === 503) headers['retry-after'] = '1';
  return json(body, error.status, { headers });
}

/** Maps any thrown value to its HTTP problem response and logs it at the level it deserves. */
export function problemResponse(error: unknown, correlationId: string): HttpResponse {
  const logger = getLogger();
  if (isAppError(error)) {
    if (error.status >= 500) logger.error(`request failed: ${error.code}`, { error });
    else logger.info(`request rejected: ${error.code}`, { status: error.status, reason: error.message });
    return problem(error, correlationId);
  }
  if (isDependencyFailure(error)) {
    logger.error('request failed: dependency unavailable', { error });
    return problem(new UnavailableError('A backing service is temporarily unavailable; retry shortly.'), correlationId);
  }
  logger.error('request failed: unhandled error', { error });
  const body: ProblemBody = { error: { code: 'internal_error', message: INTERNAL_ERROR_MESSAGE, correlation_id: correlationId } };
  return json(body, 500);
}
