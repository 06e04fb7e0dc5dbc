import { Logger } from '@aws-lambda-powertools/logger';
import { getConfig } from '../config/index.js';
import { InvocationLogFormatter } from './formatter.js';

let instance: Logger | undefined;

/**
 * The instance's structured JSON logger (Powertools). One per function instance and shared by
 * concurrent invocations, so it holds no per-invocation keys: the correlation id, route and Lambda
 * context of each line come from the invocation scope (`withCorrelationId`, `addLogKeys`), read by
 * its formatter when the line is written.
 */
export function getLogger(): Logger {
  if (!instance) {
    const config = getConfig();
    instance = new Logger({
      serviceName: config.serviceName,
      logLevel: config.logLevel,
      persistentKeys: { stage: config.stage },
      logFormatter: new InvocationLogFormatter(),
    });
  }
  return instance;
}

