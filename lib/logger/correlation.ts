import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/**
 * The invocation in progress (one HTTP request, one batch): its correlation id, the keys every
 * log line of it carries (route, handler, user) and its Lambda context, kept in AsyncLocalStorage.
 * Any code below a handler — a Kafka producer adding a header, a cache loader writing a log line —
 * reads them without their being passed down by hand, and concurrent invocations in one process
 * (serverless-offline, tests) never see each other's. The shared Powertools logger therefore holds
 * no per-invocation state: its formatter reads this scope when it writes each line.
 */

/** The Lambda context fields a log line shows, plus whether this was the instance's first invocation. */
export interface InvocationLambdaContext extends Pick<Context, 'functionName' | 'functionVersion' | 'invokedFunctionArn' | 'memoryLimitInMB' | 'awsRequestId'> {
  coldStart: boolean;
}

export interface InvocationScope {
  readonly correlationId: string;
  /** Added to every log line of the invocation; `addLogKeys` extends it as the request is understood. */
  readonly logKeys: Record<string, unknown>;
  readonly lambdaContext?: InvocationLambdaContext;
}

const scope = new AsyncLocalStorage<InvocationScope>();

/** Accepted from callers: short, and nothing that could split a header or a log line. */
const CORRELATION_ID = /^[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}$/;

/** Header name used on incoming and outgoing HTTP requests and on Kafka records. */
export const CORRELATION_HEADER = 'x-correlation-id';

export function isValidCorrelationId(value: string): boolean {
  return CORRELATION_ID.test(value);
}

/** The first candidate that is a well-formed id (caller-supplied ones first), else a new UUID. */
export function correlationIdFrom(...candidates: Array<string | undefined | null>): string {
  for (const candidate of candidates) {
    const trimmed = candidate?.trim();
    if (trimmed && isValidCorrelationId(trimmed)) return trimmed;
  }
  return randomUUID();
}

let invocationsSeen = 0;

function lambdaContextOf(context: Context): InvocationLambdaContext {
  return {
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    awsRequestId: context.awsRequestId,
    coldStart: invocationsSeen++ === 0,
  };
}

export interface InvocationOptions {
  /** Keys for every log line of the invocation, e.g. `{ route }` or `{ handler }`. */
  logKeys?: Record<string, unknown>;
  /** The invocation's Lambda context, shown on its log lines (request id, function, cold start). */
  lambdaContext?: Context;
}

/** Runs `fn` as one invocation with `correlationId`: everything it calls, sync or async, sees this scope. */
export function withCorrelationId<T>(correlationId: string, fn: () => T, options: InvocationOptions = {}): T {
  const invocation: InvocationScope = {
    correlationId,
    logKeys: { ...options.logKeys },
    ...(options.lambdaContext ? { lambdaContext: lambdaContextOf(options.lambdaContext) } : {}),
  };
  return scope.run(invocation, fn);
}

/** The current correlation id, or undefined outside any request or batch (e.g. at cold start). */
export function getCorrelationId(): string | undefined {
  return scope.getStore()?.correlationId;
}

/** The current invocation, or undefined outside one; read by the log formatter. */
export function getInvocationScope(): InvocationScope | undefined {
  return scope.getStore();
}

/**
 * Headers that carry the current correlation id to a downstream HTTP call, so its logs join ours:
 * `fetch(url, { headers: { ...correlationHeaders(), ... } })`. Empty outside an invocation.
 */
export function correlationHeaders(): Record<string, string> {
  const id = getCorrelationId();
  return id === undefined ? {} : { [CORRELATION_HEADER]: id };
}

/**
 * The same for a Kafka record (header values are bytes on the wire):
 * `producer.send({ topic, messages: [{ key, value, headers: { ...kafkaCorrelationHeaders() } }] })`.
 */
export function kafkaCorrelationHeaders(): Record<string, Buffer> {
  const id = getCorrelationId();
  return id === undefined ? {} : { [CORRELATION_HEADER]: Buffer.from(id, 'utf8') };
}

/** Adds keys to every later log line of the current invocation only (a no-op outside one). */
export function addLogKeys(keys: Record<string, unknown>): void {
  const current = scope.getStore();
  if (current) Object.assign(current.logKeys, keys);
}
