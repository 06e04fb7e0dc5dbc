import { ConflictError, isAppError, TooManyRequestsError, UnavailableError, ValidationError, type AppError, type FieldProblem } from '../errors/index.js';
import { getLogger } from '../logger/index.js';
import { json, type HttpResponse } from './response.js';

/**
 * The one place where errors become HTTP answers. Every error response has the same JSON shape:
 *
 *   { "error": { "code": "validation_failed", "message": "query.page_size: must be ...",
 *                "fields": [{ "field": "query.page_size", "message": "must be ..." }],
 *                "correlation_id": "..." } }
 *
 * `AppError`s carry their status and a message meant for the client. PostgreSQL errors caused by
 * the input (a duplicate, a broken CHECK, a missing reference, a malformed value) become 409 or
 * 400 naming the constraint or column, and transient ones (serialization failure, deadlock) 503,
 * so a gap in upfront validation never surfaces as a 500. Anything else is a bug or an outage:
 * the client gets a generic message and the correlation id, the log gets the stack.
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

/** The fields of a postgres.js `PostgresError` this mapping reads (the server's ErrorResponse). */
interface DatabaseError {
  name: 'PostgresError';
  /** SQLSTATE, e.g. `23505`. */
  code: string;
  detail?: string;
  table_name?: string;
  column_name?: string;
  constraint_name?: string;
}

function isDatabaseError(error: unknown): error is DatabaseError {
  const { name, code } = (error ?? {}) as { name?: unknown; code?: unknown };
  return name === 'PostgresError' && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * Column names from a key in `detail`, e.g. `Key (driver_id, day)=(...)`. Only plain identifiers:
 * an expression key such as `lower(email::text)` is SQL, and the constraint names it instead.
 */
function keyColumns(detail: string | undefined): string | undefined {
  const columns = /^Key \(([^()]+)\)=/.exec(detail ?? '')?.[1];
  return columns && /^[a-z_][a-z0-9_]*(, [a-z_][a-z0-9_]*)*$/.test(columns) ? columns : undefined;
}

/** Class 22 (data exception): a value the column type or a function cannot take. */
const DATA_EXCEPTION_MESSAGES: Readonly<Record<string, string>> = {
  '22001': 'a value is longer than its column allows',
  '22003': 'a number is out of range',
  '22007': 'a date or time has an invalid format',
  '22008': 'a date or time is out of range',
  '22P02': 'a value has an invalid format',
  '22P05': 'a text value contains a character that cannot be stored',
  '22021': 'a text value is not valid UTF-8',
};

/**
 * The client-facing error for a database error caused by the request, or by concurrent work that
 * a retry resolves; undefined for the rest (bugs and outages). Messages name the constraint or
 * column where the server reports one, never the SQL or the offending row's other values.
 */
function fromDatabaseError(error: DatabaseError): AppError | undefined {
  const constraint = error.constraint_name;
  const columns = keyColumns(error.detail);
  switch (error.code) {
    case '23505': // unique_violation
      return new ConflictError(columns ? `A record with this ${columns} already exists` : `A record with the same values already exists (${constraint ?? 'unique constraint'})`);
    case '23P01': // exclusion_violation
      return new ConflictError(`The record conflicts with an existing one (${constraint ?? 'exclusion constraint'})`);
    case '23503': // foreign_key_violation
      // Deleting or re-keying a row others still point at is a conflict with the stored data, not bad input.
      if (error.detail?.includes('is still referenced')) {
        return new ConflictError(`The record is still referenced by other records (${constraint ?? 'foreign key'})`);
      }
      return new ValidationError(columns ? `${columns} refers to a record that does not exist` : `A referenced record does not exist (${constraint ?? 'foreign key'})`);
    case '23514': // check_violation
      return new ValidationError(`A value breaks the rule ${constraint ?? 'of a check constraint'}`);
    case '23502': // not_null_violation
      return new ValidationError(error.column_name ? `${error.column_name} is required` : 'A required value is missing');
    case '40001': // serialization_failure
    case '40P01': // deadlock_detected
    case '55P03': // lock_not_available (lock_timeout)
      return new UnavailableError('The request collided with concurrent changes; retry it.');
  }
  if (error.code.startsWith('22')) {
    const reason = DATA_EXCEPTION_MESSAGES[error.code] ?? 'a value is invalid';
    return new ValidationError(error.column_name ? `${error.column_name}: ${reason}` : `Invalid input: ${reason}`);
  }
  return undefined;
}

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
  if (error instanceof TooManyRequestsError) headers['retry-after'] = String(error.retryAfterS);
  return json(body, error.status, { headers });
}

/**
 * WARN either way: a client-caused rejection points at validation the route could do before the
 * database, and a transient failure that keeps coming back at contention worth a look.
 */
function logDatabaseRejection(error: DatabaseError, mapped: AppError): void {
  const where = { sqlstate: error.code, constraint: error.constraint_name, table: error.table_name, column: error.column_name };
  if (mapped.status >= 500) getLogger().warn(`request failed: ${mapped.code} (database)`, { ...where, error });
  else getLogger().warn(`request rejected by the database: ${mapped.code}`, { ...where, reason: mapped.message });
}

/** Maps any thrown value to its HTTP problem response and logs it at the level it deserves. */
export function problemResponse(error: unknown, correlationId: string): HttpResponse {
  const logger = getLogger();
  if (isAppError(error)) {
    if (error.status >= 500) logger.error(`request failed: ${error.code}`, { error });
    else logger.info(`request rejected: ${error.code}`, { status: error.status, reason: error.message });
    return problem(error, correlationId);
  }
  if (isDatabaseError(error)) {
    const mapped = fromDatabaseError(error);
    if (mapped) {
      logDatabaseRejection(error, mapped);
      return problem(mapped, correlationId);
    }
  }
  if (isDependencyFailure(error)) {
    logger.error('request failed: dependency unavailable', { error });
    return problem(new UnavailableError('A backing service is temporarily unavailable; retry shortly.'), correlationId);
  }
  logger.error('request failed: unhandled error', { error });
  const body: ProblemBody = { error: { code: 'internal_error', message: INTERNAL_ERROR_MESSAGE, correlation_id: correlationId } };
  return json(body, 500);
}
