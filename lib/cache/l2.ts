import type { RedisCounters } from './counters.js';
import type { Settings } from './definition.js';
import { decodeEntry, encodeEntry, joinGroupVersions, type StoredEntry } from './entry.js';
import { UNAVAILABLE, execPipeline, getCacheRuntime, type CacheRuntime } from './runtime.js';
import { STORE_AND_RELEASE, runScript } from './scripts.js';

/**
 * L2: one cache's entries in Redis, shared by every instance. Each call goes through the runtime's
 * circuit breaker and answers UNAVAILABLE instead of throwing, so the read path can treat an
 * unreachable Redis as a miss.
 */

/** What one MGET of an entry and its groups' versions found. */
export interface L2Read {
  /** The entry as stored (null when absent): its header fences a later store. */
  raw: string | null;
  entry: StoredEntry | undefined;
  /** The groups' versions now, joined as an entry records them. */
  groupVersions: string;
}

/** One owner's claim on a key's stampede lock: the lock's Redis key and the owner's random token. */
export interface KeyLock {
  key: string;
  token: string;
}

/** Where a loaded value goes in L2: versions read before loading, and the lock if this instance holds it. */
export interface L2Target {
  groupVersions: string;
  /** Header of the entry L2 held when the load was decided ('' if none): the store replaces only that entry or an empty key. */
  seenHeader: string;
  lock?: KeyLock;
}

/** A value ready to be written as it is, e.g. by a warm. */
export interface L2Write {
  key: string;
  json: string;
  settings: Settings;
}

export function toL2Read(values: readonly (string | null)[]): L2Read {
  const raw = values[0] ?? null;
  return { raw, entry: decodeEntry(raw), groupVersions: joinGroupVersions(values.slice(1)) };
}

/** The entry if it was stored under its groups' current versions; an outdated entry is as good as none. */
export function currentEntry(read: L2Read): StoredEntry | undefined {
  return read.entry && read.entry.groupVersions === read.groupVersions ? read.entry : undefined;
}

export class L2Store {
  constructor(
    private readonly cacheName: string,
    private readonly counters: RedisCounters,
  ) {}

  /** Created on first use, so defining a cache opens no connection. */
  private get runtime(): CacheRuntime {
    return getCacheRuntime();
  }

  /** What one read fetches together: the entry, then its groups' version counters in the call's order. */
  readKeys(key: string, groups: readonly string[]): string[] {
    const runtime = this.runtime;
    const keys = [runtime.valueKey(this.cacheName, key)];
    for (const group of groups) keys.push(runtime.groupKey(group));
    return keys;
  }

  async read(readKeys: string[]): Promise<L2Read | typeof UNAVAILABLE> {
    const values = await this.runtime.call(this.counters, (redis) => redis.mget(readKeys));
    return values === UNAVAILABLE ? UNAVAILABLE : toL2Read(values);
  }

  /**
   * Stores a loaded value unless a newer one is there (scripts.ts STORE_AND_RELEASE), releases the
   * lock if this instance holds it, and tells the instances waiting for the key that it is ready.
   * Resolves to a StoreStatus, or UNAVAILABLE.
   */
  async store(key: string, json: string, settings: Settings, target: L2Target): Promise<unknown> {
    const runtime = this.runtime;
    const { lock } = target;
    const stored = encodeEntry(json, Date.now() + settings.ttl, target.groupVersions);
    return runtime.call(this.counters, (redis) =>
      runScript(
        redis,
        STORE_AND_RELEASE,
        [runtime.valueKey(this.cacheName, key), lock?.key ?? runtime.lockKey(this.cacheName, key)],
        [stored, settings.ttl + settings.grace, lock?.token ?? '', runtime.channel, runtime.readyMessage(this.cacheName, key), target.seenHeader],
      ),
    );
  }

  /**
   * Writes values as they are in one round trip: their groups' versions are read first, then the
   * values and one bus message naming them all go in one pipeline. False if Redis was unreachable.
   */
  async write(entries: readonly L2Write[]): Promise<boolean> {
    const runtime = this.runtime;
    const groups = [...new Set(entries.flatMap((entry) => entry.settings.groups))];
    const written = await runtime.call(this.counters, async (redis) => {
      const versions = groups.length > 0 ? await redis.mget(groups.map((group) => runtime.groupKey(group))) : [];
      const versionOf = new Map(groups.map((group, i) => [group, versions[i] ?? null]));
      const pipeline = redis.pipeline();
      const now = Date.now();
      for (const entry of entries) {
        const groupVersions = joinGroupVersions(entry.settings.groups.map((group) => versionOf.get(group) ?? null));
        const stored = encodeEntry(entry.json, now + entry.settings.ttl, groupVersions);
        pipeline.set(runtime.valueKey(this.cacheName, entry.key), stored, 'PX', entry.settings.ttl + entry.settings.grace);
      }
      pipeline.publish(runtime.channel, runtime.keysMessage(this.cacheName, entries.map((entry) => entry.key)));
      await execPipeline(pipeline);
    });
    return written !== UNAVAILABLE;
  }

  /**
   * Deletes the keys in Redis and from the other instances' L1, or queues that until Redis answers
   * again (runtime.ts). Resolves to whether it reached Redis.
   */
  invalidate(keys: readonly string[]): Promise<boolean> {
    return this.runtime.invalidate(
      this.counters,
      keys.map((key) => ({ kind: 'key', cache: this.cacheName, key })),
    );
  }
}
