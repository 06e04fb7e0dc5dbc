import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { getConfig } from '../config/index.js';
import { getLogger } from '../logger/index.js';
import { decodeEntry, encodeEntry, entryHeader, joinGroupVersions, type StoredEntry } from './entry.js';
import { emptyCounters, type CacheCounters } from './counters.js';
import { MAX_ENTRY_LIFETIME_MS, UNAVAILABLE, execPipeline, getCacheRuntime, registerCache, type CacheMember, type CacheRuntime } from './runtime.js';
import { EXTEND, RELEASE, STORE_AND_RELEASE, StoreStatus, runScript } from './scripts.js';

export { emptyCounters, type CacheCounters } from './counters.js';

export type Loader<T> = () => Promise<T> | T;

export interface CacheDefinition {
  /** Names the cache in keys, messages and metrics: letters, digits, `_` and `-`. */
  name: string;
  /** How long (ms) an entry is fresh. */
  ttl: number;
  /** How long (ms) after `ttl` an entry may still be served if its loader fails. Default 0 (never). */
  grace?: number;
  /**
   * How long (ms) an instance keeps an entry in its L1 without asking Redis, at most `ttl`.
   * Invalidations reach L1 through the bus; this bounds staleness when a message is lost.
   * Default `ttl`; 0 turns L1 off for this cache.
   */
  l1Ttl?: number;
  /** L1 capacity in entries. Default `CACHE_L1_MAX_ENTRIES`. */
  l1MaxEntries?: number;
  /**
   * After the loader failed and a stale value was served, how long (ms) that value is served from
   * L1 before the loader is tried again, so a failing database is not called by every request.
   * Default 5000.
   */
  graceBackoff?: number;
}

/** Per-call overrides of the cache's definition. */
export interface LoadOptions {
  ttl?: number;
  grace?: number;
  l1Ttl?: number;
  /**
   * Groups the value belongs to, e.g. `driver:42`: `invalidateGroups('driver:42')` then outdates it
   * in every cache. A key must be read with the same groups, in the same order, every time.
   */
  groups?: readonly string[];
}

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

interface L1Entry {
  value: unknown;
  /** Epoch ms; past it the entry is only a grace candidate. */
  freshUntil: number;
  groups: readonly string[];
}

interface Settings {
  ttl: number;
  grace: number;
  l1Ttl: number;
  groups: readonly string[];
}

/** A miss being resolved; `invalidated` is set when the key or one of its groups is invalidated meanwhile. */
interface FlightState {
  readonly groups: readonly string[];
  invalidated: boolean;
}

interface Flight {
  state: FlightState;
  promise: Promise<unknown>;
}

/** A warmed value ready to store: its JSON for L2 and the parsed copy for L1 (undefined: not for L1). */
interface WarmedEntry {
  key: string;
  settings: Settings;
  json: string;
  value: unknown;
}

/** One cache-aside read under way: what each of its steps (resolve, loadOnce, load, fromL2, serveStale) needs. */
interface Read<T> {
  key: string;
  loader: Loader<T>;
  settings: Settings;
  flight: FlightState;
}

interface StaleCandidates {
  l1?: L1Entry;
  l2?: StoredEntry;
}

/** Where a loaded value goes in L2: versions read before loading, and the lock if this instance holds it. */
interface L2Target {
  groupVersions: string;
  /** Header of the entry L2 held when the load was decided ('' if none): the store replaces only that entry or an empty key. */
  seenHeader: string;
  lock?: { key: string; token: string };
}

const NAME_PATTERN = /^[A-Za-z0-9][\w-]*$/;
/** Names that would collide with the other key spaces under the prefix. */
const RESERVED_NAMES = new Set(['lock', 'group', 'bus']);
const NO_GROUPS: readonly string[] = Object.freeze([]);
const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 100;
const DEFAULT_GRACE_BACKOFF_MS = 5000;
const DEFAULT_WARM_CONCURRENCY = 8;
/**
 * Warmed entries per Redis pipeline (about 200 KB of the API's entries): the pipeline's last reply
 * must come back within REDIS_COMMAND_TIMEOUT_MS even on a busy machine; with 500 and 1,000, some
 * did not at a load average of 9 on 2 cores.
 */
export const WARM_PIPELINE_ENTRIES = 200;

/**
 * One named cache. Values come back as their JSON round trip (a loader's `Date` comes back as a
 * string, from L1 as from L2) and are shared between callers through L1: treat them as immutable.
 */
export class Cache implements CacheMember {
  readonly name: string;
  readonly counters: CacheCounters = emptyCounters();
  private readonly enabled: boolean;
  private readonly defaults: Omit<Settings, 'groups'>;
  private readonly graceBackoff: number;
  private readonly lockTtlMs: number;
  private readonly lockWaitMs: number;
  private readonly l1: LRUCache<string, L1Entry> | undefined;
  private readonly keysByGroup = new Map<string, Set<string>>();
  private readonly flights = new Map<string, Flight>();

  constructor(definition: CacheDefinition) {
    if (!NAME_PATTERN.test(definition.name) || RESERVED_NAMES.has(definition.name)) {
      throw new Error(`Invalid cache name "${definition.name}": use letters, digits, _ and -, not ${[...RESERVED_NAMES].join('/')}`);
    }
    const config = getConfig().cache;
    this.name = definition.name;
    this.defaults = this.settings(definition, { ttl: definition.ttl, grace: 0, l1Ttl: definition.ttl });
    this.graceBackoff = definition.graceBackoff ?? DEFAULT_GRACE_BACKOFF_MS;
    this.enabled = config.enabled;
    this.lockTtlMs = config.lockTtlMs;
    this.lockWaitMs = config.lockWaitMs;
    const l1MaxEntries = definition.l1MaxEntries ?? config.l1MaxEntries;
    if (l1MaxEntries > 0 && this.defaults.l1Ttl > 0) {
      this.l1 = new LRUCache<string, L1Entry>({
        max: l1MaxEntries,
        ttl: this.defaults.ttl + this.defaults.grace,
        dispose: (entry, key) => this.unindex(key, entry.groups),
      });
    }
    registerCache(this);
  }

  private get runtime(): CacheRuntime {
    return getCacheRuntime();
  }

  /**
   * Cache-aside read: L1, then L2, then the loader, which runs once across the fleet for a key
   * that is missing everywhere. Never fails because of Redis; fails only if the loader fails and no
   * value within its grace period is left.
   */
  async getOrLoad<T>(key: string, loader: Loader<T>, options?: LoadOptions): Promise<T> {
    if (!this.enabled) {
      this.counters.loads++;
      return loader();
    }
    const cached = this.l1?.get(key);
    if (cached !== undefined && cached.freshUntil > Date.now()) {
      this.counters.l1_hits++;
      return cached.value as T;
    }
    const running = this.flights.get(key);
    if (running) {
      this.counters.coalesced++;
      return running.promise as Promise<T>;
    }
    const settings = this.settings(options ?? {}, this.defaults);
    const state: FlightState = { groups: settings.groups, invalidated: false };
    const promise = this.resolve<T>({ key, loader, settings, flight: state }, cached).finally(() => {
      if (this.flights.get(key)?.state === state) this.flights.delete(key);
    });
    this.flights.set(key, { state, promise });
    return promise;
  }

  /** Drops the key here and in Redis, and tells the other instances to drop it from their L1. */
  async delete(key: string): Promise<void> {
    this.dropKey(key);
    if (!this.enabled) return;
    await this.runtime.invalidate(this.counters, [{ kind: 'key', cache: this.name, key }]);
  }

  /**
   * Stores values proactively (e.g. after scoring) so the next reads are hits everywhere. With a
   * loader, a key whose loader fails is counted (`load_errors`), reported in the result and left
   * as it was; the other keys are warmed all the same. Nothing is stored when caching is disabled.
   */
  async warm<T>(entries: Iterable<WarmEntry<T>>): Promise<WarmResult>;
  async warm<T>(keys: Iterable<string>, loader: (key: string) => Promise<T> | T, options?: WarmOptions): Promise<WarmResult>;
  async warm<T>(
    source: Iterable<WarmEntry<T>> | Iterable<string>,
    loader?: (key: string) => Promise<T> | T,
    options: WarmOptions = {},
  ): Promise<WarmResult> {
    if (!this.enabled) return { warmed: [], failed: [] };
    const { entries, failed } = loader
      ? await this.loadForWarm(source as Iterable<string>, loader, options)
      : { entries: [...(source as Iterable<WarmEntry<T>>)], failed: [] };
    if (failed.length > 0) {
      getLogger().warn('Cache warm: some loaders failed; those keys were not warmed', {
        cache: this.name,
        failedKeys: failed.map(({ key }) => key),
      });
    }
    const prepared = entries.flatMap((entry) => {
      const settings = this.settings(entry, this.defaults);
      const json = JSON.stringify(entry.value);
      // `undefined` has no JSON form: there is nothing to store. L1 holds the JSON round trip, parsed
      // only for entries that go to L1 (`l1Ttl: 0` warms Redis alone, e.g. a batch job's).
      if (json === undefined) return [];
      const value = this.l1 && settings.l1Ttl > 0 ? (JSON.parse(json) as unknown) : undefined;
      return [{ key: entry.key, settings, json, value } satisfies WarmedEntry];
    });
    if (prepared.length > 0) await this.storeWarmed(prepared);
    return { warmed: prepared.map(({ key }) => key), failed };
  }

  /**
   * Writes warmed values to Redis and to L1. Redis gets one pipeline per WARM_PIPELINE_ENTRIES
   * entries (their groups' versions read first, then the values, then one bus message naming them
   * all), so a warm of thousands stays a few round trips, each well inside the command timeout.
   */
  private async storeWarmed(prepared: readonly WarmedEntry[]): Promise<void> {
    const runtime = this.runtime;
    const unwritten: WarmedEntry[] = [];
    for (let from = 0; from < prepared.length; from += WARM_PIPELINE_ENTRIES) {
      const chunk = prepared.slice(from, from + WARM_PIPELINE_ENTRIES);
      const groups = [...new Set(chunk.flatMap((entry) => entry.settings.groups))];
      const written = await runtime.call(this.counters, async (redis) => {
        const versions = groups.length > 0 ? await redis.mget(groups.map((group) => runtime.groupKey(group))) : [];
        const versionOf = new Map(groups.map((group, i) => [group, versions[i] ?? null]));
        const pipeline = redis.pipeline();
        const now = Date.now();
        for (const entry of chunk) {
          const groupVersions = joinGroupVersions(entry.settings.groups.map((group) => versionOf.get(group) ?? null));
          const stored = encodeEntry(entry.json, now + entry.settings.ttl, groupVersions);
          pipeline.set(runtime.valueKey(this.name, entry.key), stored, 'PX', entry.settings.ttl + entry.settings.grace);
        }
        pipeline.publish(runtime.channel, runtime.keysMessage(this.name, chunk.map((entry) => entry.key)));
        await execPipeline(pipeline);
      });
      if (written === UNAVAILABLE) unwritten.push(...chunk);
    }
    if (unwritten.length > 0) {
      // The old values must not outlive the outage in L2 or in other instances' L1: queue their removal.
      getLogger().warn('Cache warm could not write to Redis; values are kept in this instance only (if in its L1)', { cache: this.name, keys: unwritten.length });
      await runtime.invalidate(
        this.counters,
        unwritten.map((entry) => ({ kind: 'key', cache: this.name, key: entry.key })),
      );
    }
    const now = Date.now();
    for (const entry of prepared) {
      // A miss being resolved meanwhile loaded older data: it must not overwrite the warmed value.
      this.taintFlight(entry.key);
      if (entry.value === undefined) this.l1?.delete(entry.key);
      else this.setL1(entry.key, entry.value, now + entry.settings.l1Ttl, entry.settings);
    }
  }

  /** Empties this instance's L1 for this cache (Redis is untouched). */
  clearL1(): void {
    this.l1?.clear();
    this.keysByGroup.clear();
  }

  /** Applies a key invalidation to this instance. */
  dropKey(key: string): void {
    this.counters.invalidations++;
    this.l1?.delete(key);
    this.taintFlight(key);
  }

  /** Applies group invalidations to this instance: their L1 entries go, loads in progress for them will not be stored. */
  dropGroups(groups: readonly string[]): void {
    for (const group of groups) {
      const keys = this.keysByGroup.get(group);
      if (!keys) continue;
      this.keysByGroup.delete(group);
      this.counters.invalidations += keys.size;
      for (const key of keys) this.l1?.delete(key);
    }
    if (this.flights.size === 0) return;
    const dropped = new Set(groups);
    for (const flight of this.flights.values()) {
      if (flight.state.groups.some((group) => dropped.has(group))) flight.state.invalidated = true;
    }
  }

  private taintFlight(key: string): void {
    const flight = this.flights.get(key);
    if (flight) flight.state.invalidated = true;
  }

  private async resolve<T>(read: Read<T>, l1Stale: L1Entry | undefined): Promise<T> {
    const runtime = this.runtime;
    const redisKeys = [runtime.valueKey(this.name, read.key)];
    for (const group of read.settings.groups) redisKeys.push(runtime.groupKey(group));

    const values = await runtime.call(this.counters, (redis) => redis.mget(redisKeys));
    if (values === UNAVAILABLE) {
      this.counters.misses++;
      return this.load(read, { l1: l1Stale }, undefined);
    }
    const entry = decodeEntry(values[0]);
    const current = entry && entry.groupVersions === joinGroupVersions(values.slice(1));
    if (current && entry.freshUntil > Date.now()) {
      this.counters.l2_hits++;
      return this.fromL2(read, entry);
    }
    this.counters.misses++;
    return this.loadOnce(read, { l1: l1Stale, l2: current ? entry : undefined }, redisKeys);
  }

  /**
   * Fleet-wide single flight: take the key's lock (SET NX PX with a random owner token) and load,
   * or wait for the owner's "ready" message (polling as a fallback) and read its value. Taking the
   * lock and re-reading the value go in one pipeline, so a lock freed by an owner that has just
   * stored the value is never mistaken for a free key. Past CACHE_LOCK_WAIT_MS, load anyway.
   */
  private async loadOnce<T>(read: Read<T>, stale: StaleCandidates, redisKeys: string[]): Promise<T> {
    const runtime = this.runtime;
    const { key } = read;
    const lockKey = runtime.lockKey(this.name, key);
    const token = randomBytes(12).toString('base64url');
    const deadline = performance.now() + this.lockWaitMs;
    let pause = FIRST_POLL_MS;
    let waited = false;
    for (;;) {
      const attempt = await runtime.call(this.counters, (redis) =>
        execPipeline(redis.pipeline().set(lockKey, token, 'PX', this.lockTtlMs, 'NX').mget(redisKeys)),
      );
      if (attempt === UNAVAILABLE) return this.load(read, stale, undefined);
      const acquired = attempt[0] === 'OK';
      const values = attempt[1] as (string | null)[];
      const groupVersions = joinGroupVersions(values.slice(1));
      const entry = decodeEntry(values[0]);
      if (entry && entry.groupVersions === groupVersions && entry.freshUntil > Date.now()) {
        // The owner stored the value and released the lock just before this attempt took it.
        if (acquired) void this.releaseLock(key, lockKey, token, { wakeWaiters: false });
        return this.fromL2(read, entry);
      }
      const seenHeader = entryHeader(values[0]);
      if (acquired) return this.load(read, stale, { groupVersions, seenHeader, lock: { key: lockKey, token } });
      if (!waited) {
        waited = true;
        this.counters.lock_waits++;
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        this.counters.lock_timeouts++;
        return this.load(read, stale, { groupVersions, seenHeader });
      }
      await runtime.waitForReady(this.name, key, Math.min(pause, remaining));
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
  }

  /** Runs the loader and stores its value in L2 (when `target` is given) and L1. */
  private async load<T>(read: Read<T>, stale: StaleCandidates, target: L2Target | undefined): Promise<T> {
    const runtime = this.runtime;
    const { key, loader, settings, flight } = read;
    const lock = target?.lock;
    const keepAlive = lock ? this.keepLockAlive(lock.key, lock.token) : undefined;
    let value: T;
    try {
      this.counters.loads++;
      value = await loader();
    } catch (error) {
      this.counters.load_errors++;
      if (lock) void this.releaseLock(key, lock.key, lock.token, { wakeWaiters: true });
      return this.serveStale(read, stale, error);
    } finally {
      if (keepAlive) clearInterval(keepAlive);
    }

    const json = JSON.stringify(value);
    if (json === undefined || flight.invalidated) {
      // `undefined` has no JSON form; an invalidated load may predate the write that invalidated it.
      if (lock) void this.releaseLock(key, lock.key, lock.token, { wakeWaiters: true });
      return json === undefined ? value : (JSON.parse(json) as T);
    }
    const canonical = JSON.parse(json) as T;
    if (target) {
      const stored = encodeEntry(json, Date.now() + settings.ttl, target.groupVersions);
      const status = await runtime.call(this.counters, (redis) =>
        runScript(
          redis,
          STORE_AND_RELEASE,
          [runtime.valueKey(this.name, key), lock?.key ?? runtime.lockKey(this.name, key)],
          [stored, settings.ttl + settings.grace, lock?.token ?? '', runtime.channel, runtime.readyMessage(this.name, key), target.seenHeader],
        ),
      );
      if (status === StoreStatus.lockLost || status === StoreStatus.superseded) {
        // L2 holds (or is about to hold) a newer value; this one is returned to its callers but
        // kept out of L1 too, where it would shadow the newer value.
        this.counters.stores_refused++;
        return canonical;
      }
    }
    if (!flight.invalidated) this.setL1(key, canonical, Date.now() + settings.l1Ttl, settings);
    return canonical;
  }

  private serveStale<T>({ key, settings, flight }: Read<T>, stale: StaleCandidates, error: unknown): T {
    const now = Date.now();
    let value: unknown;
    let found = false;
    // An invalidated value is known to be wrong; grace only covers values that merely aged.
    if (!flight.invalidated && settings.grace > 0) {
      if (stale.l1 && stale.l1.freshUntil + settings.grace > now) {
        value = stale.l1.value;
        found = true;
      } else if (stale.l2 && stale.l2.freshUntil + settings.grace > now) {
        value = JSON.parse(stale.l2.json);
        found = true;
      }
    }
    if (!found) throw error;
    this.counters.stale_served++;
    getLogger().warn('Cache loader failed; serving a stale value within its grace period', {
      cache: this.name,
      key,
      error: error instanceof Error ? error.message : String(error),
    });
    this.setL1(key, value, now + Math.min(this.graceBackoff, settings.grace), settings);
    return value as T;
  }

  private fromL2<T>({ key, settings, flight }: Read<T>, entry: StoredEntry): T {
    const value = JSON.parse(entry.json) as T;
    if (!flight.invalidated) this.setL1(key, value, Math.min(entry.freshUntil, Date.now() + settings.l1Ttl), settings);
    return value;
  }

  private setL1(key: string, value: unknown, freshUntil: number, settings: Settings): void {
    if (!this.l1) return;
    const lifetime = Math.ceil(freshUntil - Date.now() + settings.grace);
    if (lifetime <= 0) return;
    const groups = settings.groups;
    this.l1.set(key, { value, freshUntil, groups }, { ttl: lifetime });
    for (const group of groups) {
      let keys = this.keysByGroup.get(group);
      if (!keys) {
        keys = new Set();
        this.keysByGroup.set(group, keys);
      }
      keys.add(key);
    }
  }

  private unindex(key: string, groups: readonly string[]): void {
    for (const group of groups) {
      const keys = this.keysByGroup.get(group);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.keysByGroup.delete(group);
    }
  }

  /** Extends the lock while a slow loader runs, so no other instance starts a second load. */
  private keepLockAlive(lockKey: string, token: string): NodeJS.Timeout {
    const timer = setInterval(() => {
      void this.runtime.call(this.counters, (redis) => runScript(redis, EXTEND, [lockKey], [token, this.lockTtlMs])).then((extended) => {
        if (extended === 0) clearInterval(timer);
      });
    }, Math.max(1, Math.floor(this.lockTtlMs / 2)));
    timer.unref();
    return timer;
  }

  private async releaseLock(key: string, lockKey: string, token: string, { wakeWaiters }: { wakeWaiters: boolean }): Promise<void> {
    const runtime = this.runtime;
    const message = wakeWaiters ? runtime.readyMessage(this.name, key) : '';
    await runtime.call(this.counters, (redis) => runScript(redis, RELEASE, [lockKey], [token, runtime.channel, message]));
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
        this.counters.loads++;
        let value: T;
        try {
          value = await loader(key);
        } catch (error) {
          this.counters.load_errors++;
          failed.push({ key, error });
          continue;
        }
        entries.push({ ...overrides, key, value, groups: typeof groups === 'function' ? groups(key) : groups });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, worker));
    return { entries, failed };
  }

  /** Merges overrides into defaults and checks the result once, so bad TTLs fail loudly at the call site. */
  private settings(options: LoadOptions, defaults: Omit<Settings, 'groups'>): Settings {
    const ttl = options.ttl ?? defaults.ttl;
    const grace = options.grace ?? defaults.grace;
    const l1Ttl = Math.min(options.l1Ttl ?? defaults.l1Ttl, ttl);
    if (!(ttl > 0) || !(grace >= 0) || !(l1Ttl >= 0) || ttl + grace > MAX_ENTRY_LIFETIME_MS) {
      throw new RangeError(`Cache "${this.name}": ttl must be > 0, grace and l1Ttl >= 0, ttl + grace <= ${MAX_ENTRY_LIFETIME_MS} ms`);
    }
    return { ttl, grace, l1Ttl, groups: options.groups ?? NO_GROUPS };
  }
}
