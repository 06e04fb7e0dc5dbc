import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { correlationIdFrom, getCorrelationId, getLogger, withCorrelationId } from '../logger/index.js';
import { instrumentInstance, publishInstanceFiguresIfDue } from '../observability/index.js';
import { flushMetrics, observeBatch } from '../metrics/index.js';

/**
 * The one middleware stack of batch and scheduled functions (Kafka/MSK batches, schedules):
 * a correlation id per invocation, Lambda context and keys on every log line, duration and
 * outcome metrics, one summary log line. Errors are logged with their stack and rethrown, so
 * the platform's retry (and the event source's failure handling) takes over.
 */

export interface BatchContext {
  /** The name given to `batchHandler`: the metrics label and a log key. */
  name: string;
  correlationId: string;
  context: Context;
}

interface BatchInternal extends Record<string, unknown> {
  startedAt?: number;
}

function observe<E, R>(name: string): MiddlewareObj<E, R, Error, Context, BatchInternal> {
  const elapsedMs = (internal: BatchInternal) => performance.now() - (internal.startedAt ?? performance.now());
  return {
    before: (request) => {
      request.internal.startedAt = performance.now();
    },
    after: (request) => {
      const durationMs = elapsedMs(request.internal);
      observeBatch(name, true, durationMs);
      getLogger().info('batch completed', { duration_ms: Math.round(durationMs) });
    },
    onError: (request) => {
      const durationMs = elapsedMs(request.internal);
      observeBatch(name, false, durationMs);
      // Leaving request.response unset makes middy rethrow the error after this.
      getLogger().error('batch failed', { duration_ms: Math.round(durationMs), error: request.error });
    },
  };
}

/**
 * Wraps a batch or scheduled function.
 *
 * @example
 * export const handler = batchHandler('maintain-partitions', async (_event: ScheduledEvent) => maintainPartitions());
 */
export function batchHandler<E, R>(name: string, run: (event: E, batch: BatchContext) => Promise<R> | R): (event: E, context: Context) => Promise<R> {
  instrumentInstance();
  const stack = middy<E, R, Error, Context, BatchInternal>()
    .use(observe<E, R>(name))
    .handler(async (event, context) => run(event, { name, correlationId: getCorrelationId() ?? correlationIdFrom(), context }));

  return (event, context) =>
    // One id per invocation: the platform's request id where there is one, so logs and traces meet.
    withCorrelationId(
      correlationIdFrom(context?.awsRequestId),
      async () => {
        try {
          return await stack(event, context);
        } finally {
          flushMetrics();
          await publishInstanceFiguresIfDue();
        }
      },
      { logKeys: { handler: name }, ...(context ? { lambdaContext: context } : {}) },
    );
}
