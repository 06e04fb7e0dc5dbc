import { randomUUID } from 'node:crypto';
import { ensureRedisConnected } from './client.js';
import { keySpace, type KeySpace } from './key-spaces.js';

/**
 * A board in Redis where every function instance posts one JSON entry under its own id, with an
 * expiry, and any instance reads the entries of all instances that posted recently: the fleet-wide
 * view of figures each instance keeps in memory (cache counters, metrics registries).
 *
 * Keys (P = CACHE_PREFIX, S = its key space, B = board name):
 *   P:S:B:<instance>   the instance's entry, expiring after `ttlMs`
 *   P:S:B:instances    sorted set of instance ids scored by their entry's expiry time, so a read
 *                    finds the live entries without SCAN
 * An instance that stops posting (no longer invoked) drops out once its entry expires.
 */

/** This function instance's id on every board (one per cold start). */
export const INSTANCE_ID = randomUUID();

export interface InstanceBoard {
  post(instance: string, entry: unknown, now?: number): Promise<void>;
  /** The entries of every instance whose entry has not expired, parsed. */
  read(now?: number): Promise<unknown[]>;
}

export function instanceBoard(space: KeySpace, name: string, ttlMs: number): InstanceBoard {
  const keys = () => {
    const base = `${keySpace(space)}:${name}`;
    return { entry: (instance: string) => `${base}:${instance}`, index: `${base}:instances` };
  };
  return {
    async post(instance, entry, now = Date.now()) {
      const { entry: entryKey, index } = keys();
      const redis = await ensureRedisConnected();
      await redis.multi().set(entryKey(instance), JSON.stringify(entry), 'PX', ttlMs).zadd(index, now + ttlMs, instance).pexpire(index, ttlMs).exec();
    },
    async read(now = Date.now()) {
      const { entry: entryKey, index } = keys();
      const redis = await ensureRedisConnected();
      await redis.zremrangebyscore(index, '-inf', now);
      const instances = await redis.zrange(index, 0, -1);
      if (instances.length === 0) return [];
      const entries = await redis.mget(instances.map(entryKey));
      return entries.filter((json) => json !== null).map((json) => JSON.parse(json) as unknown);
    },
  };
}
