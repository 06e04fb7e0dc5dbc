export {
  CORRELATION_HEADER,
  addLogKeys,
  correlationHeaders,
  correlationIdFrom,
  getCorrelationId,
  getInvocationScope,
  isValidCorrelationId,
  kafkaCorrelationHeaders,
  withCorrelationId,
  type InvocationLambdaContext,
  type InvocationOptions,
  type InvocationScope,
} from './correlation.js';
export { InvocationLogFormatter } from './formatter.js';
export * from './logger.js';
