import { getConfig } from '../config/index.js';
import { emptyCounters, type CacheCounters } from './counters.js';
import { DEFAULT_GRACE_BACKOFF_MS, assertCacheName, defaultSettings, type CacheDefinition, type Loader, type LoadOptions } from './definition.js';
import { Flights } from './flights.js';
import { L1Store } from './l1.js';
import { L2Store } from './l2.js';
import { StampedeLocks } from './lock.js';
import type { CacheParts } from './parts.js';
import { ReadPath } from './read.js';
import { registerCache, type CacheMember } from './runtime.js';
import { WritePath, type WarmEntry, type WarmOptions, type WarmResult } from './write.js';

/**
 * One named cache: the facade over its parts (definition.ts settings, l1.ts memory, l2.ts Redis,
 * lock.ts stampede lock, flights.ts in-instance single flight), reading through read.ts and
 * changing contents through write.ts. Values come back as their JSON round trip (a loader's `Date`
 * comes back as a string, from L1 as from L2) and are shared between callers through L1: treat
 * them as immutable.
 */
export class Cache implements CacheMember {
  readonly name: string;
  readonly counters: CacheCounters = emptyCounters();
  private readonly l1: L1Store | undefined;
  private readonly reads: ReadPath;
  private readonly writes: WritePath;

  constructor(definition: CacheDefinition) {
    assertCacheName(definition.name);
    const config = getConfig().cache;
    const defaults = defaultSettings(definition);
    this.name = definition.name;
    this.l1 = L1Store.create(definition.l1MaxEntries ?? config.l1MaxEntries, defaults);
    const parts: CacheParts = {
      name: this.name,
      counters: this.counters,
      enabled: config.enabled,
      defaults,
      graceBackoffMs: definition.graceBackoff ?? DEFAULT_GRACE_BACKOFF_MS,
      lockWaitMs: config.lockWaitMs,
      l1: this.l1,
      l2: new L2Store(this.name, this.counters),
      locks: new StampedeLocks(this.name, this.counters, config.lockTtlMs),
      flights: new Flights(),
    };
    this.reads = new ReadPath(parts);
    this.writes = new WritePath(parts);
    registerCache(this);
  }

  /**
   * Cache-aside read: L1, then L2, then the loader, which runs once across the fleet for a key
   * that is missing everywhere. Never fails because of Redis; fails only if the loader fails and no
   * value within its grace period is left.
   */
  getOrLoad<T>(key: string, loader: Loader<T>, options?: LoadOptions): Promise<T> {
    return this.reads.getOrLoad(key, loader, options);
  }

  /** Drops the key here and in Redis, and tells the other instances to drop it from their L1. */
  delete(key: string): Promise<void> {
    return this.writes.delete(key);
  }

  /**
   * Stores values proactively (e.g. after scoring) so the next reads are hits everywhere. With a
   * loader, a key whose loader fails is counted (`load_errors`), reported in the result and left
   * as it was; the other keys are warmed all the same. Nothing is stored when caching is disabled.
   */
  warm<T>(entries: Iterable<WarmEntry<T>>): Promise<WarmResult>;
  warm<T>(keys: Iterable<string>, loader: (key: string) => Promise<T> | T, options?: WarmOptions): Promise<WarmResult>;
  warm<T>(source: Iterable<WarmEntry<T>> | Iterable<string>, loader?: (key: string) => Promise<T> | T, options: WarmOptions = {}): Promise<WarmResult> {
    return this.writes.warm(source, loader, options);
  }

  /** Empties this instance's L1 for this cache (Redis is untouched). */
  clearL1(): void {
    this.l1?.clear();
  }

  /** Applies a key invalidation to this instance. */
  dropKey(key: string): void {
    this.writes.dropKey(key);
  }

  /** Applies the emptying of this cache (clearCaches) to this instance: L1 goes, loads in progress will not be stored. */
  dropAll(): void {
    this.writes.dropAll();
  }

  /** Applies group invalidations to this instance: their L1 entries go, loads in progress for them will not be stored. */
  dropGroups(groups: readonly string[]): void {
    this.writes.dropGroups(groups);
  }
}
