import { performance } from 'node:perf_hooks';
import { generateAuthToken } from 'aws-msk-iam-sasl-signer-js';
import { Kafka, logLevel as KafkaLogLevel, type Admin, type KafkaConfig, type LogEntry, type logCreator } from 'kafkajs';
import { getConfig, type Config } from '../config/index.js';
import { UnavailableError } from '../errors/index.js';
import { getLogger } from '../logger/index.js';

/**
 * Kafka clients (kafkajs) built from `getConfig().kafka`, logging through the product's logger.
 * One shared client per function instance; producers, consumers and admins are created from it by
 * the modules that need them (the local event-source bridge, the metrics collector).
 */

export interface KafkaClientOptions {
  clientId?: string;
  brokers?: string[];
  /** Time allowed to open a TCP connection to a broker. */
  connectionTimeoutMs?: number;
  /** Time allowed for one request once connected. */
  requestTimeoutMs?: number;
  /** Retries of a failed request (kafkajs backs off between them). */
  retries?: number;
}

const DEFAULT_CONNECTION_TIMEOUT_MS = 1000;
const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
const DEFAULT_RETRIES = 5;

/**
 * kafkajs's own levels are chattier than ours: at INFO it reports every group join, commit and
 * reconnect, at DEBUG every protocol request. Ours are shifted one step down so that LOG_LEVEL=INFO
 * shows only Kafka warnings and errors, and DEBUG shows kafkajs INFO.
 */
const KAFKA_LEVEL_FOR: Record<Config['logLevel'], KafkaLogLevel> = {
  DEBUG: KafkaLogLevel.INFO,
  INFO: KafkaLogLevel.WARN,
  WARN: KafkaLogLevel.WARN,
  ERROR: KafkaLogLevel.ERROR,
  SILENT: KafkaLogLevel.NOTHING,
};

const toProductLogger: logCreator =
  () =>
  ({ namespace, level, log }: LogEntry) => {
    const { message, timestamp: _timestamp, ...details } = log;
    const logger = getLogger();
    const attributes = { kafka: { namespace, ...details } };
    if (level === KafkaLogLevel.ERROR) logger.error(message, attributes);
    else if (level === KafkaLogLevel.WARN) logger.warn(message, attributes);
    else if (level === KafkaLogLevel.INFO) logger.info(message, attributes);
    else logger.debug(message, attributes);
  };

/**
 * TLS and SASL settings of the configured cluster: none locally; SCRAM or PLAIN with a user and
 * password; or MSK IAM, where the function's role signs a token (OAUTHBEARER) with the SDK's
 * default credentials, refreshed by kafkajs on each new connection.
 */
export function kafkaSecurity(kafka: Config['kafka'], region: string): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const sasl = kafka.sasl;
  if (sasl === undefined) return kafka.ssl ? { ssl: true } : {};
  if (sasl.mechanism === 'aws-msk-iam') {
    return {
      ssl: true,
      sasl: {
        mechanism: 'oauthbearer',
        oauthBearerProvider: async () => ({ value: (await generateAuthToken({ region })).token }),
      },
    };
  }
  return { ssl: kafka.ssl, sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as KafkaConfig['sasl'] };
}

/** A new kafkajs client from the configuration; `options` override single settings. */
export function createKafka(options: KafkaClientOptions = {}): Kafka {
  const config = getConfig();
  return new Kafka({
    clientId: options.clientId ?? config.kafka.clientId,
    brokers: options.brokers ?? config.kafka.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    requestTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    retry: { retries: options.retries ?? DEFAULT_RETRIES },
    logLevel: KAFKA_LEVEL_FOR[config.logLevel],
    logCreator: toProductLogger,
    ...kafkaSecurity(config.kafka, config.s3.region),
  });
}

let shared: Kafka | undefined;

/** The instance's shared client; creating it opens no connection. */
export function getKafka(): Kafka {
  shared ??= createKafka();
  return shared;
}

/**
 * The admin connection used for reachability checks, kept open across warm invocations so a check
 * costs one metadata round trip. It has a client of its own because kafkajs retries connecting with
 * the client's retry settings, and a health check wants the current answer, fast: no retries.
 */
let pingAdmin: { admin: Admin; connected: Promise<void> } | undefined;

function connectedPingAdmin(): { admin: Admin; connected: Promise<void> } {
  if (!pingAdmin) {
    const admin = createKafka({ retries: 0 }).admin({ retry: { retries: 0 } });
    pingAdmin = { admin, connected: admin.connect() };
  }
  return pingAdmin;
}

/** One DescribeCluster round trip on the ping admin; a failed admin is dropped so the next call starts afresh. */
async function describeClusterOnce(): Promise<number> {
  const current = connectedPingAdmin();
  try {
    await current.connected;
    const started = performance.now();
    await current.admin.describeCluster();
    return performance.now() - started;
  } catch (error) {
    if (pingAdmin === current) pingAdmin = undefined;
    await current.admin.disconnect().catch(() => undefined);
    throw error;
  }
}

/**
 * Round-trip time of a cluster metadata request (DescribeCluster) in milliseconds, for health
 * checks. A connection kept from an earlier invocation may have been closed by the broker while the
 * instance was frozen, so a failure on it earns one retry on a fresh connection before the answer
 * is UnavailableError.
 */
export async function pingKafka(): Promise<number> {
  const reusingConnection = pingAdmin !== undefined;
  try {
    return await describeClusterOnce();
  } catch (firstError) {
    if (!reusingConnection) throw new UnavailableError('Kafka is unavailable', { cause: firstError });
    try {
      return await describeClusterOnce();
    } catch (error) {
      throw new UnavailableError('Kafka is unavailable', { cause: error });
    }
  }
}

/** Closes the connections this module opened (scripts and tests); the next use starts afresh. */
export async function closeKafka(): Promise<void> {
  const current = pingAdmin;
  pingAdmin = undefined;
  shared = undefined;
  if (current) await current.admin.disconnect();
}
