import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { getInvocationScope } from './correlation.js';

/**
 * The Powertools JSON log structure, with the invocation's correlation id, keys and Lambda
 * context read from AsyncLocalStorage at the moment each line is written.
 *
 * Powertools keeps `appendKeys` and `addContext` state on the logger instance, which the whole
 * process shares; under serverless-offline and in tests several invocations run at once in one
 * process, so one invocation's keys (or their reset) would land on another's lines. Reading the
 * invocation scope here instead makes every line carry its own invocation's values.
 */
export class InvocationLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additionalLogAttributes: LogAttributes): LogItem {
    const invocation = getInvocationScope();
    const lambda = invocation?.lambdaContext ?? attributes.lambdaContext;
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: lambda?.coldStart,
      function_arn: lambda?.invokedFunctionArn,
      function_memory_size: lambda?.memoryLimitInMB,
      function_name: lambda?.functionName,
      function_request_id: lambda?.awsRequestId,
      sampling_rate: attributes.sampleRateValue,
      xray_trace_id: attributes.xRayTraceId,
      correlation_id: invocation?.correlationId,
      ...invocation?.logKeys,
    };
    // Attributes of the call itself (and persistent keys) come last, so they win over scope keys.
    return new LogItem({ attributes: base }).addAttributes(additionalLogAttributes);
  }
}
