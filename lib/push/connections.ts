import type { Principal, Role } from '../auth/index.js';
import { getConfig } from '../config/index.js';
import { ensureRedisConnected } from '../redis/index.js';
import { pushKeys } from './keys.js';

/**
 * WebSocket connections and their subscriptions, in Redis so every function instance sees them
 * (the connection's handler, a publisher in ingest or scoring); the keys are `pushKeys()`.
 *
 * Every key expires PUSH_CONNECTION_TTL_S after the connection's last message (each message
 * refreshes the connection's keys and its topics' sets, so a topic set outlives its members'
 * entries). $disconnect deletes them; a connection whose $disconnect was lost is deleted when a
 * post to it answers 410 Gone, or expires.
 */

export interface ConnectionEntry {
  userId: number;
  role: Role;
  driverId: number | null;
  connectedAt: string;
}

/** SMEMBERS per pipeline when resolving many topics at once (scoring publishes thousands). */
const LOOKUP_CHUNK = 1000;

const ttlMs = () => getConfig().push.connectionTtlS * 1000;

export async function registerConnection(id: string, principal: Principal, now: Date = new Date()): Promise<void> {
  const entry: ConnectionEntry = { userId: principal.userId, role: principal.role, driverId: principal.driverId, connectedAt: now.toISOString() };
  const redis = await ensureRedisConnected();
  await redis.set(pushKeys().connection(id), JSON.stringify(entry), 'PX', ttlMs());
}

/** The connection's entry and its current topics; undefined when it is not (or no longer) registered. */
export async function findConnection(id: string): Promise<{ entry: ConnectionEntry; topics: string[] } | undefined> {
  const k = pushKeys();
  const redis = await ensureRedisConnected();
  const [entry, topics] = await redis.multi().get(k.connection(id)).smembers(k.topicsOf(id)).exec().then((results) => [results?.[0]?.[1], results?.[1]?.[1]]);
  if (typeof entry !== 'string') return undefined;
  return { entry: JSON.parse(entry) as ConnectionEntry, topics: Array.isArray(topics) ? (topics as string[]) : [] };
}

/**
 * Adds and removes topics of a connection in one transaction, and refreshes the expiry of the
 * connection's keys and of every topic set it is in (this is its activity).
 */
export async function changeSubscriptions(id: string, change: { add?: readonly string[]; remove?: readonly string[]; current: readonly string[] }): Promise<void> {
  const k = pushKeys();
  const ttl = ttlMs();
  const add = change.add ?? [];
  const remove = change.remove ?? [];
  const kept = new Set([...change.current, ...add]);
  for (const topic of remove) kept.delete(topic);
  const redis = await ensureRedisConnected();
  const tx = redis.multi();
  if (add.length > 0) tx.sadd(k.topicsOf(id), ...add);
  if (remove.length > 0) tx.srem(k.topicsOf(id), ...remove);
  for (const topic of add) tx.sadd(k.topic(topic), id);
  for (const topic of remove) tx.srem(k.topic(topic), id);
  tx.pexpire(k.connection(id), ttl).pexpire(k.topicsOf(id), ttl);
  for (const topic of kept) tx.pexpire(k.topic(topic), ttl);
  await tx.exec();
}

/** Forgets connections and their subscriptions ($disconnect, or a post answered 410 Gone). */
export async function removeConnections(ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const k = pushKeys();
  const redis = await ensureRedisConnected();
  const lookup = redis.pipeline();
  for (const id of ids) lookup.smembers(k.topicsOf(id));
  const topicsOf = (await lookup.exec()) ?? [];
  const tx = redis.multi();
  ids.forEach((id, i) => {
    const topics = topicsOf[i]?.[1];
    for (const topic of Array.isArray(topics) ? (topics as string[]) : []) tx.srem(k.topic(topic), id);
    tx.del(k.connection(id), k.topicsOf(id));
  });
  await tx.exec();
}

/** The connections subscribed to each topic (topics nobody follows are left out). */
export async function subscribersOf(topics: readonly string[]): Promise<Map<string, string[]>> {
  const k = pushKeys();
  const redis = await ensureRedisConnected();
  const found = new Map<string, string[]>();
  for (let from = 0; from < topics.length; from += LOOKUP_CHUNK) {
    const chunk = topics.slice(from, from + LOOKUP_CHUNK);
    const pipeline = redis.pipeline();
    for (const topic of chunk) pipeline.smembers(k.topic(topic));
    const results = (await pipeline.exec()) ?? [];
    chunk.forEach((topic, i) => {
      const [error, members] = results[i] ?? [];
      if (error) throw error;
      if (Array.isArray(members) && members.length > 0) found.set(topic, members as string[]);
    });
  }
  return found;
}
