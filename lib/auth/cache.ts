import { createCache } from '../cache/index.js';
import { getConfig } from '../config/index.js';
import { UnauthorizedError } from '../errors/index.js';
import type { Principal } from './principal.js';
import { findUserActive } from './users.js';

/**
 * The auth domain's cache: whether a user may still use the tokens it was given. A token stays
 * valid until it expires, so every authenticated request checks the account behind it; this
 * cache makes that check a map lookup on a warm instance. Deactivating a user (or the driver of a
 * driver login) must call `invalidateGroups(userGroup(userId))`, which outdates the entry in
 * every instance at once; the short TTL (`AUTH_USER_CACHE_TTL_MS`) bounds how long a lost
 * invalidation could leave a deactivated account in.
 */

/** The TTL is given per read from the configuration; this one only satisfies the definition. */
export const authCache = createCache({ name: 'auth', ttl: 15_000 });

/** One user's account state: outdated by a deactivation of the user or of its driver. */
export const userGroup = (userId: number): string => `user:${userId}`;

/** Whether the user exists and is active (a driver login also needs its driver active). */
export async function isUserActive(userId: number): Promise<boolean> {
  const { active } = await authCache.getOrLoad(String(userId), async () => ({ active: await findUserActive(userId) }), {
    groups: [userGroup(userId)],
    ttl: getConfig().auth.userCacheTtlMs,
  });
  return active;
}

/** Refuses (401) a verified token whose account was deactivated or deleted since it was issued. */
export async function assertUserActive(principal: Principal): Promise<void> {
  if (!(await isUserActive(principal.userId))) throw new UnauthorizedError('The access token belongs to an account that is no longer active');
}
