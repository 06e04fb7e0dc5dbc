import { performance } from 'node:perf_hooks';
import { getLogger } from '../logger/index.js';
import { resolveSettings, type Loader, type LoadOptions, type Settings } from './definition.js';
import { entryHeader, type StoredEntry } from './entry.js';
import type { FlightState } from './flights.js';
import type { L1Entry } from './l1.js';
import { currentEntry, type L2Target } from './l2.js';
import type { CacheParts } from './parts.js';
import { UNAVAILABLE } from './runtime.js';
import { StoreStatus } from './scripts.js';

/**
 * The cache-aside read: L1, then L2, then the loader, run once per key across the fleet (a flight
 * within the instance, the stampede lock across instances), with a value past its freshness still
 * served within its grace period when the loader fails.
 */

/** One read under way: what each of its steps (resolve, loadOnce, load, fromL2, serveStale) needs. */
interface Read<T> {
  key: string;
  loader: Loader<T>;
  settings: Settings;
  flight: FlightState;
}

/** Values past their freshness that grace may still serve if the loader fails. */
interface StaleCandidates {
  l1?: L1Entry;
  l2?: StoredEntry;
}

const FIRST_POLL_MS = 10;
const MAX_POLL_MS = 100;

export class ReadPath {
  constructor(private readonly cache: CacheParts) {}

  /** Never fails because of Redis; fails only if the loader fails and no value within its grace period is left. */
  async getOrLoad<T>(key: string, loader: Loader<T>, options: LoadOptions | undefined): Promise<T> {
    const { counters, l1, flights } = this.cache;
    if (!this.cache.enabled) {
      counters.loads++;
      return loader();
    }
    const cached = l1?.get(key);
    if (cached !== undefined && cached.freshUntil > Date.now()) {
      counters.l1_hits++;
      return cached.value as T;
    }
    const running = flights.joinable<T>(key);
    if (running) {
      counters.coalesced++;
      return running;
    }
    const settings = resolveSettings(this.cache.name, options ?? {}, this.cache.defaults);
    return flights.start(key, settings.groups, (flight) => this.resolve({ key, loader, settings, flight }, cached));
  }

  private async resolve<T>(read: Read<T>, l1Stale: L1Entry | undefined): Promise<T> {
    const { counters, l2 } = this.cache;
    const readKeys = l2.readKeys(read.key, read.settings.groups);
    const found = await l2.read(readKeys);
    if (found === UNAVAILABLE) {
      counters.misses++;
      return this.load(read, { l1: l1Stale }, undefined);
    }
    const current = currentEntry(found);
    if (current && current.freshUntil > Date.now()) {
      counters.l2_hits++;
      return this.fromL2(read, current);
    }
    counters.misses++;
    return this.loadOnce(read, { l1: l1Stale, l2: current }, readKeys);
  }

  /**
   * Fleet-wide single flight: take the key's lock and load, or wait for the owner's "ready"
   * message (polling as a fallback) and read its value. Past CACHE_LOCK_WAIT_MS, load anyway.
   */
  private async loadOnce<T>(read: Read<T>, stale: StaleCandidates, readKeys: string[]): Promise<T> {
    const { counters, locks } = this.cache;
    const { key } = read;
    const lock = locks.forKey(key);
    const deadline = performance.now() + this.cache.lockWaitMs;
    let pause = FIRST_POLL_MS;
    let waited = false;
    for (;;) {
      const attempt = await locks.tryTake(lock, readKeys);
      if (attempt === UNAVAILABLE) return this.load(read, stale, undefined);
      const entry = currentEntry(attempt.read);
      if (entry && entry.freshUntil > Date.now()) {
        // The owner stored the value and released the lock just before this attempt took it.
        if (attempt.acquired) void locks.release(key, lock, { wakeWaiters: false });
        return this.fromL2(read, entry);
      }
      const target: L2Target = { groupVersions: attempt.read.groupVersions, seenHeader: entryHeader(attempt.read.raw) };
      if (attempt.acquired) return this.load(read, stale, { ...target, lock });
      if (!waited) {
        waited = true;
        counters.lock_waits++;
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        counters.lock_timeouts++;
        return this.load(read, stale, target);
      }
      await locks.waitForOwner(key, Math.min(pause, remaining));
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
  }

  /** Runs the loader and stores its value in L2 (when `target` is given) and L1. */
  private async load<T>(read: Read<T>, stale: StaleCandidates, target: L2Target | undefined): Promise<T> {
    const { counters, l1, l2, locks } = this.cache;
    const { key, loader, settings, flight } = read;
    const lock = target?.lock;
    const keepAlive = lock ? locks.keepAlive(lock) : undefined;
    let value: T;
    try {
      counters.loads++;
      value = await loader();
    } catch (error) {
      counters.load_errors++;
      if (lock) void locks.release(key, lock, { wakeWaiters: true });
      return this.serveStale(read, stale, error);
    } finally {
      if (keepAlive) clearInterval(keepAlive);
    }

    const json = JSON.stringify(value);
    if (json === undefined || flight.invalidated) {
      // `undefined` has no JSON form; an invalidated load may predate the write that invalidated it.
      if (lock) void locks.release(key, lock, { wakeWaiters: true });
      return json === undefined ? value : (JSON.parse(json) as T);
    }
    const canonical = JSON.parse(json) as T;
    if (target) {
      const status = await l2.store(key, json, settings, target);
      if (status === StoreStatus.lockLost || status === StoreStatus.superseded) {
        // L2 holds (or is about to hold) a newer value; this one is returned to its callers but
        // kept out of L1 too, where it would shadow the newer value.
        counters.stores_refused++;
        return canonical;
      }
    }
    if (!flight.invalidated) l1?.set(key, canonical, Date.now() + settings.l1Ttl, settings);
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
    this.cache.counters.stale_served++;
    getLogger().warn('Cache loader failed; serving a stale value within its grace period', {
      cache: this.cache.name,
      key,
      error: error instanceof Error ? error.message : String(error),
    });
    this.cache.l1?.set(key, value, now + Math.min(this.cache.graceBackoffMs, settings.grace), settings);
    return value as T;
  }

  private fromL2<T>({ key, settings, flight }: Read<T>, entry: StoredEntry): T {
    const value = JSON.parse(entry.json) as T;
    if (!flight.invalidated) this.cache.l1?.set(key, value, Math.min(entry.freshUntil, Date.now() + settings.l1Ttl), settings);
    return value;
  }
}
