/**
 * The one error hierarchy of the product. Library code throws these; the transport layer
 * (HTTP middleware, Kafka ingester, scheduled runners) decides how each is reported.
 */

export interface FieldProblem {
  /** Where the problem is, e.g. `body.email`, `query.page_size`, `path.driverId`. */
  field: string;
  message: string;
}

export abstract class AppError extends Error {
  /** Stable machine-readable code, e.g. `validation_failed`. */
  abstract readonly code: string;
  /** The HTTP status this error maps to when it reaches an HTTP client. */
  abstract readonly status: number;
  /** Whether retrying the same operation later may succeed. */
  readonly retryable: boolean = false;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  readonly code = 'validation_failed';
  readonly status = 400;
  constructor(
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }
}

export class UnauthorizedError extends AppError {
  readonly code = 'unauthorized';
  readonly status = 401;
}

export class ForbiddenError extends AppError {
  readonly code = 'forbidden';
  readonly status = 403;
}

export class NotFoundError extends AppError {
  readonly code: string;
  readonly status = 404;
  /** `code` names what is missing when a client must tell cases apart, e.g. `risk_score_not_found`. */
  constructor(message: string, options?: { code?: string; cause?: unknown }) {
    super(message, options);
    this.code = options?.code ?? 'not_found';
  }
}

export class ConflictError extends AppError {
  readonly code = 'conflict';
  readonly status = 409;
}

export class PayloadTooLargeError extends AppError {
  readonly code = 'payload_too_large';
  readonly status = 413;
}

export class UnsupportedMediaTypeError extends AppError {
  readonly code = 'unsupported_media_type';
  readonly status = 415;
}

/** Too many attempts (login throttling); the client may try again after `retryAfterS` seconds. */
export class TooManyRequestsError extends AppError {
  readonly code = 'too_many_requests';
  readonly status = 429;
  override readonly retryable = true;
  constructor(
    message: string,
    readonly retryAfterS: number,
  ) {
    super(message);
  }
}

export class NotImplementedError extends AppError {
  readonly code = 'not_implemented';
  readonly status = 501;
}

/** A dependency (database, Redis, Kafka, S3) is unreachable or overloaded; safe to retry. */
export class UnavailableError extends AppError {
  readonly code = 'unavailable';
  readonly status = 503;
  override readonly retryable = true;
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** The 404 every route about one driver answers for an id that does not exist. */
export function driverNotFound(driverId: number): NotFoundError {
  return new NotFoundError(`Driver ${driverId} does not exist`, { code: 'driver_not_found' });
}
