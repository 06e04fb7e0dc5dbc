import { luaScript as script } from '../redis/scripts.js';

export { runScript, type LuaScript } from '../redis/scripts.js';

/**
 * Lua scripts of the cache. Each runs atomically in Redis, which is what makes the stampede lock's
 * owner check safe: "compare the token, then delete/extend" as two commands could release a lock
 * that expired in between and was taken by another instance.
 *
 * The bus channel is passed as an argument rather than a key; that is fine on a single Redis node
 * (the deployment this cache targets), not on Redis Cluster.
 */

/** What STORE_AND_RELEASE did with a loaded value. */
export const StoreStatus = {
  /** The caller held the key's lock and lost it to another owner, whose load is newer: nothing written. */
  lockLost: 0,
  stored: 1,
  /** Another value was stored after the caller read the key: it is at least as new, so it stays. */
  superseded: 2,
} as const;

/**
 * Stores a loaded value, releases the lock if the caller still owns it, and tells waiting
 * instances the value is ready, in one round trip. The write is fenced so a load never replaces
 * a newer value:
 *
 * - A caller whose lock now belongs to another owner (it expired while loading and was taken
 *   again) writes nothing: the new owner started later, its value is newer and it will store it.
 * - Otherwise (lock still ours, expired and free, or never held after a lock wait timed out) the
 *   value is written only if the key is empty or still holds the entry the caller saw before
 *   loading (compared by header: expiry and group versions). A value loaded under an expired
 *   lock is still a fresh load; the danger is only replacing an entry someone stored after that
 *   read (a newer load, a warm), and that entry is left alone.
 *
 * KEYS: value, lock. ARGV: entry, ttl ms, owner token ('' if the caller holds no lock), channel,
 * message, header of the entry seen before loading ('' if there was none). Returns a StoreStatus.
 */
export const STORE_AND_RELEASE = script(`
local owned = false
if ARGV[3] ~= '' then
  local holder = redis.call('GET', KEYS[2])
  if holder and holder ~= ARGV[3] then
    return ${StoreStatus.lockLost}
  end
  owned = holder == ARGV[3]
end
local seen = ARGV[6]
local status = ${StoreStatus.superseded}
if redis.call('EXISTS', KEYS[1]) == 0 or (seen ~= '' and redis.call('GETRANGE', KEYS[1], 0, #seen - 1) == seen) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  status = ${StoreStatus.stored}
end
if owned then
  redis.call('DEL', KEYS[2])
end
if owned or status == ${StoreStatus.stored} then
  redis.call('PUBLISH', ARGV[4], ARGV[5])
end
return status
`);

/**
 * Releases the lock if the caller still owns it; with a message, also wakes the waiters (who then
 * take the lock and load themselves), e.g. after the owner's loader failed.
 * KEYS: lock. ARGV: owner token, channel, message ('' to release silently).
 */
export const RELEASE = script(`
local owned = redis.call('GET', KEYS[1]) == ARGV[1]
if owned then
  redis.call('DEL', KEYS[1])
end
if ARGV[3] ~= '' then
  redis.call('PUBLISH', ARGV[2], ARGV[3])
end
return owned and 1 or 0
`);

/**
 * Extends the lock of a loader that is still running, only if the caller still owns it.
 * KEYS: lock. ARGV: owner token, ttl ms. Returns 1 if extended, 0 if the lock was lost.
 */
export const EXTEND = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`);

/**
 * Outdates any number of groups in one round trip: bumps each group's version, renews its expiry,
 * then publishes one bus message naming them all (messages.ts). An ingest batch outdates a few
 * thousand groups; as separate INCR + PEXPIRE + PUBLISH commands that was a third of its time, and
 * every instance received one message per group.
 * KEYS: group version keys. ARGV: version ttl ms, channel, message. Returns the number of groups.
 */
export const BUMP_GROUPS = script(`
for i = 1, #KEYS do
  redis.call('INCR', KEYS[i])
  redis.call('PEXPIRE', KEYS[i], ARGV[1])
end
redis.call('PUBLISH', ARGV[2], ARGV[3])
return #KEYS
`);
