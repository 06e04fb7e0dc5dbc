import type { MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { withCorrelationId, type InvocationOptions } from '../logger/index.js';
import { flushMetrics } from '../metrics/index.js';
import { publishInstanceFiguresIfDue } from '../observability/index.js';

/**
 * What every middleware stack (http.ts, batch.ts) shares: the invocation's scope around the stack,
 * and the timing of the stack for its metrics and summary log line.
 */

/** The middy `internal` store of a stack that is timed. */
export interface TimedInternal extends Record<string, unknown> {
  startedAt?: number;
}

interface Finished<R> {
  response?: R | null;
  error?: Error | null;
}

/**
 * Notes when the invocation started and calls `report` with its duration when it ends, successfully
 * (`ok` true) or with an error. Leaves the response and the error as they are.
 */
export function timing<E, R>(report: (request: Finished<R>, durationMs: number, ok: boolean) => void): MiddlewareObj<E, R, Error, Context, TimedInternal> {
  const elapsedMs = (internal: TimedInternal) => performance.now() - (internal.startedAt ?? performance.now());
  return {
    before: (request) => {
      request.internal.startedAt = performance.now();
    },
    after: (request) => report(request, elapsedMs(request.internal), true),
    onError: (request) => report(request, elapsedMs(request.internal), false),
  };
}

/**
 * Runs one invocation in its own scope (correlation id, log keys, Lambda context on every log line)
 * and publishes its metrics once it is over, whatever happened: EMF for this invocation, and (at
 * most once per interval) the instance's figures to Redis for the fleet's GET /metrics.
 */
export function inInvocationScope<T>(correlationId: string, options: InvocationOptions, run: () => Promise<T>): Promise<T> {
  return withCorrelationId(correlationId, async () => {
    try {
      return await run();
    } finally {
      flushMetrics();
      await publishInstanceFiguresIfDue();
    }
  }, options);
}
