import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import { correlationIdFrom, getCorrelationId, getLogger } from '../logger/index.js';
import { instrumentInstance } from '../observability/index.js';
import { observeBatch } from '../metrics/index.js';
import { inInvocationScope, timing, type TimedInternal } from './invocation.js';

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

function observe<E, R>(name: string): MiddlewareObj<E, R, Error, Context, TimedInternal> {
  return timing<E, R>((request, durationMs, ok) => {
    observeBatch(name, ok, durationMs);
    if (ok) getLogger().info('batch completed', { duration_ms: Math.round(durationMs) });
    // Leaving request.response unset makes middy rethrow the error after this.
    else getLogger().error('batch failed', { duration_ms: Math.round(durationMs), error: request.error });
  });
}

/**
 * Wraps a batch or scheduled function.
 *
 * @example
 * export const handler = batchHandler('maintain-partitions', async (_event: ScheduledEvent) => maintainPartitions());
 */
export function batchHandler<E, R>(name: string, run: (event: E, batch: BatchContext) => Promise<R> | R): (event: E, context: Context) => Promise<R> {
  instrumentInstance();
  const stack = middy<E, R, Error, Context, TimedInternal>()
    .use(observe<E, R>(name))
    .handler(async (event, context) => run(event, { name, correlationId: getCorrelationId() ?? correlationIdFrom(), context }));

  return (event, context) =>
    // One id per invocation: the platform's request id where there is one, so logs and traces meet.
    inInvocationScope(correlationIdFrom(context?.awsRequestId), { logKeys: { handler: name }, ...(context ? { lambdaContext: context } : {}) }, () =>
      stack(event, context),
    );
}
