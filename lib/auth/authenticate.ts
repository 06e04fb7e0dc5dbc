import { UnauthorizedError } from '../errors/index.js';
import { getLogger } from '../logger/index.js';
import { hashPassword, passwordNeedsRehash, verifyPassword } from './password.js';
import type { Principal } from './principal.js';
import { findUserByUsername, replacePasswordHash, type PasswordHashUpdate, type UserLookup } from './users.js';

/**
 * Verified against when the username does not exist, so an unknown username costs the same scrypt
 * work as a wrong password and timing does not reveal which usernames exist. It is the hash of a
 * random password nobody kept, made with the current parameters (a unit test keeps it in step
 * with them): a constant, so no login pays an extra hash to create it.
 */
export const DUMMY_PASSWORD_HASH = 'scrypt$32768$8$1$re5XzEawFOS7VwASRSbCPg==$SzQ4PBCj+C0RAMxGQMDZIzHjImmjwHBr9Niq16I21nA=';

/**
 * The principal of a username and password, or `UnauthorizedError` with one message for every
 * failure (unknown user, wrong password, deactivated account). A right password whose stored hash
 * was made with older parameters is hashed again with today's and stored (the only moment the
 * plain password is at hand); a failure to store it is logged and does not fail the login.
 */
export async function authenticate(
  username: string,
  password: string,
  lookup: UserLookup = findUserByUsername,
  updateHash: PasswordHashUpdate = replacePasswordHash,
): Promise<Principal> {
  const normalized = username.trim().toLowerCase();
  const user = normalized ? await lookup(normalized) : undefined;
  const passwordMatches = await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH);
  if (!user || !passwordMatches || !user.active) throw new UnauthorizedError('Invalid username or password');
  if (passwordNeedsRehash(user.passwordHash)) {
    try {
      await updateHash(user.id, user.passwordHash, await hashPassword(password));
    } catch (error) {
      getLogger().warn('could not store the rehashed password', { user_id: user.id, error });
    }
  }
  return { userId: user.id, role: user.role, driverId: user.driverId };
}
