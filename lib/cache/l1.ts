import { LRUCache } from 'lru-cache';
import type { DefaultSettings, Settings } from './definition.js';

/**
 * L1: one cache's bounded LRU in this function instance, holding parsed values (a hit costs a map
 * lookup, no parsing), with an index of its keys by group so a group invalidation drops exactly
 * the group's entries without a scan.
 */

export interface L1Entry {
  value: unknown;
  /** Epoch ms; past it the entry is only a grace candidate. */
  freshUntil: number;
  groups: readonly string[];
}

export class L1Store {
  private readonly entries: LRUCache<string, L1Entry>;
  private readonly keysByGroup = new Map<string, Set<string>>();

  /** `undefined` when the cache keeps nothing in memory (no capacity, or `l1Ttl: 0`). */
  static create(maxEntries: number, defaults: DefaultSettings): L1Store | undefined {
    return maxEntries > 0 && defaults.l1Ttl > 0 ? new L1Store(maxEntries, defaults.ttl + defaults.grace) : undefined;
  }

  private constructor(maxEntries: number, maxLifetimeMs: number) {
    this.entries = new LRUCache<string, L1Entry>({
      max: maxEntries,
      ttl: maxLifetimeMs,
      // Evicted, expired and deleted entries alike leave the group index.
      dispose: (entry, key) => this.unindex(key, entry.groups),
    });
  }

  get(key: string): L1Entry | undefined {
    return this.entries.get(key);
  }

  /** Keeps the value until `freshUntil`, then as a grace candidate for `settings.grace` more. */
  set(key: string, value: unknown, freshUntil: number, settings: Settings): void {
    const lifetime = Math.ceil(freshUntil - Date.now() + settings.grace);
    if (lifetime <= 0) return;
    const groups = settings.groups;
    this.entries.set(key, { value, freshUntil, groups }, { ttl: lifetime });
    for (const group of groups) {
      let keys = this.keysByGroup.get(group);
      if (!keys) {
        keys = new Set();
        this.keysByGroup.set(group, keys);
      }
      keys.add(key);
    }
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every entry of the groups; returns how many keys the groups held (counted as invalidations). */
  deleteGroups(groups: readonly string[]): number {
    let dropped = 0;
    for (const group of groups) {
      const keys = this.keysByGroup.get(group);
      if (!keys) continue;
      this.keysByGroup.delete(group);
      dropped += keys.size;
      for (const key of keys) this.entries.delete(key);
    }
    return dropped;
  }

  clear(): void {
    this.entries.clear();
    this.keysByGroup.clear();
  }

  private unindex(key: string, groups: readonly string[]): void {
    for (const group of groups) {
      const keys = this.keysByGroup.get(group);
      if (!keys) continue;
      keys.delete(key);
      if (keys.size === 0) this.keysByGroup.delete(group);
    }
  }
}
