import { getLogger } from '../logger/index.js';
import { resolveSettings, type LoadOptions } from './definition.js';
import type { L2Write } from './l2.js';
import type { CacheParts } from './parts.js';

/**
 * What changes a cache's contents other than a read's own load: warming values after a write
 * (e.g. scoring), deleting a key, and applying invalidations to this instance, whether this
 * instance made them or another instance's bus message carried them here.
 */

export interface WarmEntry<T> extends LoadOptions {
  key: string;
  value: T;
}

export interface WarmOptions extends Omit<LoadOptions, 'groups'> {
  groups?: readonly string[] | ((key: string) => readonly string[]);
  /** Loaders running at once. Default 8. */
  concurrency?: number;
}

/** What `warm` did: one failing loader does not stop the other keys from being warmed. */
export interface WarmResult {
  /** Keys whose value was stored (in Redis and this instance's L1, or only L1 while Redis is unreachable). */
  warmed: string[];
  /** Keys whose loader failed, with its error; their cached entries are left as they were. */
  failed: { key: string; error: unknown }[];
}

/** A warmed value ready to store: its JSON for L2 and the parsed copy for L1 (undefined: not for L1). */
interface WarmedEntry extends L2Write {
  value: unknown;
}

const DEFAULT_WARM_CONCURRENCY = 8;
/**
 * Warmed entries per Redis pipeline (about 200 KB of the API's entries): the pipeline's last reply
 * must come back within REDIS_COMMAND_TIMEOUT_MS even on a busy machine; with 500 and 1,000, some
 * did not at a load average of 9 on 2 cores.
 */
export const WARM_PIPELINE_ENTRIES = 200;

export class WritePath {
  constructor(private readonly cache: CacheParts) {}

  /** See Cache.warm. */
  async warm<T>(source: Iterable<WarmEntry<T>> | Iterable<string>, loader: ((key: string) => Promise<T> | T) | undefined, options: WarmOptions): Promise<WarmResult> {
    const { name, l1 } = this.cache;
    if (!this.cache.enabled) return { warmed: [], failed: [] };
    const { entries, failed } = loader
      ? await this.loadForWarm(source as Iterable<string>, loader, options)
      : { entries: [...(source as Iterable<WarmEntry<T>>)], failed: [] };
    if (failed.length > 0) {
      getLogger().warn('Cache warm: some loaders failed; those keys were not warmed', {
        cache: name,
        failedKeys: failed.map(({ key }) => key),
      });
    }
    const prepared = entries.flatMap((entry) => {
      const settings = resolveSettings(name, entry, this.cache.defaults);
      const json = JSON.stringify(entry.value);
      // `undefined` has no JSON form: there is nothing to store. L1 holds the JSON round trip, parsed
      // only for entries that go to L1 (`l1Ttl: 0` warms Redis alone, e.g. a batch job's).
      if (json === undefined) return [];
      const value = l1 && settings.l1Ttl > 0 ? (JSON.parse(json) as unknown) : undefined;
      return [{ key: entry.key, settings, json, value } satisfies WarmedEntry];
    });
    if (prepared.length > 0) await this.storeWarmed(prepared);
    return { warmed: prepared.map(({ key }) => key), failed };
  }

  /** Drops the key here and in Redis, and tells the other instances to drop it from their L1. */
  async delete(key: string): Promise<void> {
    this.dropKey(key);
    if (!this.cache.enabled) return;
    await this.cache.l2.invalidate([key]);
  }

  /** Applies a key invalidation to this instance. */
  dropKey(key: string): void {
    this.cache.counters.invalidations++;
    this.cache.l1?.delete(key);
    this.cache.flights.invalidateKey(key);
  }

  /** Applies the emptying of the whole cache to this instance: L1 goes, loads in progress will not be stored. */
  dropAll(): void {
    this.cache.l1?.clear();
    this.cache.flights.invalidateAll();
  }

  /** Applies group invalidations to this instance: their L1 entries go, loads in progress for them will not be stored. */
  dropGroups(groups: readonly string[]): void {
    this.cache.counters.invalidations += this.cache.l1?.deleteGroups(groups) ?? 0;
    this.cache.flights.invalidateGroups(groups);
  }

  /**
   * Writes warmed values to Redis and to L1. Redis gets one pipeline per WARM_PIPELINE_ENTRIES
   * entries, so a warm of thousands stays a few round trips, each well inside the command timeout.
   */
  private async storeWarmed(prepared: readonly WarmedEntry[]): Promise<void> {
    const { l1, l2, flights } = this.cache;
    const unwritten: WarmedEntry[] = [];
    for (let from = 0; from < prepared.length; from += WARM_PIPELINE_ENTRIES) {
      const chunk = prepared.slice(from, from + WARM_PIPELINE_ENTRIES);
      if (!(await l2.write(chunk))) unwritten.push(...chunk);
    }
    if (unwritten.length > 0) {
      // The old values must not outlive the outage in L2 or in other instances' L1: queue their removal.
      getLogger().warn('Cache warm could not write to Redis; values are kept in this instance only (if in its L1)', { cache: this.cache.name, keys: unwritten.length });
      await l2.invalidate(unwritten.map((entry) => entry.key));
    }
    const now = Date.now();
    for (const entry of prepared) {
      // A miss being resolved meanwhile loaded older data: it must not overwrite the warmed value.
      flights.invalidateKey(entry.key);
      if (entry.value === undefined) l1?.delete(entry.key);
      else l1?.set(entry.key, entry.value, now + entry.settings.l1Ttl, entry.settings);
    }
  }

  /** Runs the loader for every key, `concurrency` at a time; a failure is recorded and the next key is loaded. */
  private async loadForWarm<T>(
    keys: Iterable<string>,
    loader: (key: string) => Promise<T> | T,
    options: WarmOptions,
  ): Promise<{ entries: WarmEntry<T>[]; failed: WarmResult['failed'] }> {
    const queue = [...keys];
    const entries: WarmEntry<T>[] = [];
    const failed: WarmResult['failed'] = [];
    const { groups, concurrency = DEFAULT_WARM_CONCURRENCY, ...overrides } = options;
    const worker = async (): Promise<void> => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        this.cache.counters.loads++;
        let value: T;
        try {
          value = await loader(key);
        } catch (error) {
          this.cache.counters.load_errors++;
          failed.push({ key, error });
          continue;
        }
        entries.push({ ...overrides, key, value, groups: typeof groups === 'function' ? groups(key) : groups });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, worker));
    return { entries, failed };
  }
}
