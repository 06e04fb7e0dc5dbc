import { performance } from 'node:perf_hooks';
import { Redis, type RedisOptions } from 'ioredis';
import { getConfig } from '../config/index.js';
import { UnavailableError } from '../errors/index.js';
import { getLogger } from '../logger/index.js';


/**
 * Redis connections of one function instance: a command client shared by every module, and a
 * separate subscriber connection (a connection in SUBSCRIBE mode cannot run other commands),
 * created only when something subscribes. Both connect lazily and are reused by warm invocations.
 *
 * Commands never queue while the connection is down (`enableOfflineQueue: false`): they fail at
 * once, so callers (the cache's circuit breaker above all) can fall back to the database instead of
 * holding a request until a reconnect that may never come. The connection itself keeps retrying in
 * the background with a capped backoff, so Redis coming back is noticed without a cold start.
 */

/** Upper bound of the pause between two reconnection attempts. */
const MAX_RECONNECT_DELAY_MS = 1000;
const FIRST_RECONNECT_DELAY_MS = 25;

export type RedisClient = Redis;

let client: Redis | undefined;
let initialConnect: Promise<void> | undefined;
let subscriber: Redis | undefined;

function reconnectDelay(attempt: number): number {
  return Math.min(FIRST_RECONNECT_DELAY_MS * 2 ** Math.min(attempt - 1, 10), MAX_RECONNECT_DELAY_MS);
}

function baseOptions(role: 'commands' | 'subscriber'): RedisOptions {
  const config = getConfig();
  return {
    lazyConnect: true,
    connectTimeout: config.redis.connectTimeoutMs,
    commandTimeout: config.redis.commandTimeoutMs,
    maxRetriesPerRequest: config.redis.maxRetries,
    enableOfflineQueue: false,
    retryStrategy: reconnectDelay,
    // CLIENT SETNAME rejects spaces; the name only helps to spot our connections in CLIENT LIST.
    connectionName: `${config.serviceName}-${role}`.replace(/[^\w.-]/g, '_'),
  };
}

/** Logs connection state changes once each, not every failed reconnection attempt. */
function watch(connection: Redis, role: string): void {
  const logger = getLogger();
  let lost = false;
  connection.on('ready', () => {
    if (lost) logger.info('Redis connection restored', { role });
    lost = false;
  });
  connection.on('error', (error: Error) => {
    if (!lost) logger.warn('Redis connection error', { role, error: error.message });
    lost = true;
  });
  connection.on('close', () => {
    lost = true;
  });
}

/**
 * The instance's command client. It connects on first use; `ensureRedisConnected` lets a caller
 * wait for that first connection, after which commands fail fast whenever the link is down.
 */
export function getRedis(): Redis {
  if (!client) {
    client = new Redis(getConfig().redis.url, baseOptions('commands'));
    watch(client, 'commands');
  }
  return client;
}

/**
 * Returns the command client once its first connection attempt has finished. Without this, the
 * very first command of a cold instance would fail (no offline queue). Later calls return at once:
 * a connection that dropped afterwards is reconnecting in the background and commands fail fast.
 * Rejects if the first connection attempt fails (the client keeps retrying).
 */
export async function ensureRedisConnected(): Promise<Redis> {
  const redis = getRedis();
  if (redis.status === 'wait') {
    initialConnect ??= redis.connect().finally(() => {
      initialConnect = undefined;
    });
  }
  if (initialConnect) await initialConnect;
  return redis;
}

/**
 * The instance's subscriber connection. Its caller subscribes from a `ready` listener, so
 * channels are subscribed again after every reconnect, and then calls `connect()`.
 */
export function getRedisSubscriber(): Redis {
  if (!subscriber) {
    // SUBSCRIBE is only sent from the `ready` listener, so there is nothing to queue; the subscriber
    // re-subscribes explicitly, which lets it know exactly when it listens again.
    subscriber = new Redis(getConfig().redis.url, {
      ...baseOptions('subscriber'),
      autoResubscribe: false,
      commandTimeout: undefined,
    });
    watch(subscriber, 'subscriber');
  }
  return subscriber;
}

/** Round-trip time of a PING in milliseconds, for health checks; throws UnavailableError if Redis does not answer. */
export async function pingRedis(): Promise<number> {
  try {
    const redis = await ensureRedisConnected();
    const started = performance.now();
    await redis.ping();
    return performance.now() - started;
  } catch (error) {
    throw new UnavailableError('Redis is unavailable', { cause: error });
  }
}

/** Closes both connections (scripts and tests); the next `getRedis()` creates a new client. */
export async function closeRedis(): Promise<void> {
  const connections = [client, subscriber].filter((c): c is Redis => c !== undefined);
  client = undefined;
  subscriber = undefined;
  initialConnect = undefined;
  await Promise.all(
    connections.map(async (connection) => {
      if (connection.status === 'ready') {
        await connection.quit().catch(() => connection.disconnect());
      } else {
        connection.disconnect();
      }
    }),
  );
}
