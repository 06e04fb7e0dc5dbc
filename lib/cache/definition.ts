import { KEY_SPACES } from '../redis/index.js';

/**
 * What a named cache is told when it is defined, and what each call may override: the public
 * options, and the one place that merges and checks them into the settings a read or write uses.
 */

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

/** The lifetimes and groups one read or one warmed entry works with: the definition merged with the call's overrides. */
export interface Settings {
  ttl: number;
  grace: number;
  l1Ttl: number;
  groups: readonly string[];
}

export type DefaultSettings = Omit<Settings, 'groups'>;

/** Longest fresh + grace lifetime an entry may have; group versions outlive it (see GROUP_VERSION_TTL_MS). */
export const MAX_ENTRY_LIFETIME_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_GRACE_BACKOFF_MS = 5000;

const NAME_PATTERN = /^[A-Za-z0-9][\w-]*$/;
/**
 * Names that would collide with the other key spaces under the prefix: the cache's own (locks,
 * group versions, the bus) and the other modules' (lib/redis key-spaces.ts). Clearing a cache
 * deletes `P:<name>:*`, so none may be one.
 */
const RESERVED_NAMES = new Set<string>(['lock', 'group', 'bus', ...KEY_SPACES]);
/** Shared by every call without groups, so a read allocates no empty array. */
const NO_GROUPS: readonly string[] = Object.freeze([]);

export function assertCacheName(name: string): void {
  if (!NAME_PATTERN.test(name) || RESERVED_NAMES.has(name)) {
    throw new Error(`Invalid cache name "${name}": use letters, digits, _ and -, not ${[...RESERVED_NAMES].join('/')}`);
  }
}

/** The cache's own settings, checked when it is defined. */
export function defaultSettings(definition: CacheDefinition): DefaultSettings {
  return resolveSettings(definition.name, definition, { ttl: definition.ttl, grace: 0, l1Ttl: definition.ttl });
}

/** Merges overrides into defaults and checks the result once, so bad TTLs fail loudly at the call site. */
export function resolveSettings(cacheName: string, options: LoadOptions, defaults: DefaultSettings): Settings {
  const ttl = options.ttl ?? defaults.ttl;
  const grace = options.grace ?? defaults.grace;
  const l1Ttl = Math.min(options.l1Ttl ?? defaults.l1Ttl, ttl);
  if (!(ttl > 0) || !(grace >= 0) || !(l1Ttl >= 0) || ttl + grace > MAX_ENTRY_LIFETIME_MS) {
    throw new RangeError(`Cache "${cacheName}": ttl must be > 0, grace and l1Ttl >= 0, ttl + grace <= ${MAX_ENTRY_LIFETIME_MS} ms`);
  }
  return { ttl, grace, l1Ttl, groups: options.groups ?? NO_GROUPS };
}
