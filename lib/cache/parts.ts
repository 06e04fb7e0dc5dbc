import type { CacheCounters } from './counters.js';
import type { DefaultSettings } from './definition.js';
import type { Flights } from './flights.js';
import type { L1Store } from './l1.js';
import type { L2Store } from './l2.js';
import type { StampedeLocks } from './lock.js';

/** What one named cache is made of: the Cache facade builds it once, its read and write paths share it. */
export interface CacheParts {
  readonly name: string;
  readonly counters: CacheCounters;
  /** CACHE_ENABLED: when false every read runs its loader and nothing is stored. */
  readonly enabled: boolean;
  readonly defaults: DefaultSettings;
  /** See CacheDefinition.graceBackoff. */
  readonly graceBackoffMs: number;
  /** How long a miss waits for another instance's load before loading itself (CACHE_LOCK_WAIT_MS). */
  readonly lockWaitMs: number;
  /** Absent when the cache keeps nothing in this instance's memory. */
  readonly l1: L1Store | undefined;
  readonly l2: L2Store;
  readonly locks: StampedeLocks;
  readonly flights: Flights;
}
