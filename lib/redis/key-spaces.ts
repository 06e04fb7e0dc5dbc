import { getConfig } from '../config/index.js';

/**
 * The key spaces under CACHE_PREFIX besides the caches' entries: each module keeps its keys under
 * `P:<space>:`. Cache names may not be one of these, since emptying a cache deletes `P:<name>:*`
 * (lib/cache definition.ts): a new space added here is protected there too.
 */
export const KEY_SPACES = ['stats', 'push', 'metrics', 'login-throttle'] as const;
export type KeySpace = (typeof KEY_SPACES)[number];

/** `P:<space>`, the base of a module's keys. */
export const keySpace = (space: KeySpace): string => `${getConfig().cache.prefix}:${space}`;
