import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/**
 * The correlation id of the work in progress (one HTTP request, one batch), kept in
 * AsyncLocalStorage so any code below a handler — a Kafka producer adding a header, a cache
 * loader writing a log line — can read it without it being passed down by hand, and so
 * concurrent invocations in one process (serverless-offline, tests) never see each other's id.
 */

const scope = new AsyncLocalStorage<string>();

/** Accepted from callers: short, and nothing that could split a header or a log line. */
const CORRELATION_ID = /^[A-Za-z0-9][A-Za-z0-9._:=+/-]{0,127}$/;

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

/** Runs `fn` with `correlationId` as the current id for everything it calls, sync or async. */
export function withCorrelationId<T>(correlationId: string, fn: () => T): T {
  return scope.run(correlationId, fn);
}

/** The current correlation id, or undefined outside any request or batch (e.g. at cold start). */
export function getCorrelationId(): string | undefined {
  return scope.getStore();
}
