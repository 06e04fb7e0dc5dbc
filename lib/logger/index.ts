import { Logger } from '@aws-lambda-powertools/logger';
import { getConfig } from '../config/index.js';

let instance: Logger | undefined;

/**
 * The instance's structured JSON logger (Powertools). One per function instance; request-scoped
 * keys such as the correlation id are appended by the middleware and cleared after each invocation.
 */
export function getLogger(): Logger {
  if (!instance) {
    const config = getConfig();
    instance = new Logger({
      serviceName: config.serviceName,
      logLevel: config.logLevel,
      persistentKeys: { stage: config.stage },
    });
  }
  return instance;
}

export { correlationIdFrom, getCorrelationId, isValidCorrelationId, withCorrelationId } from './correlation.js';
