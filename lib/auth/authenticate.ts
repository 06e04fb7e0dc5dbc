import { randomBytes } from 'node:crypto';
import { UnauthorizedError } from '../errors/index.js';
import { hashPassword, verifyPassword } from './password.js';
import type { Principal } from './principal.js';
import { findUserByUsername, type UserLookup } from './users.js';

/**
 * A hash of a random password, verified against when the username does not exist, so an unknown
 * username costs the same scrypt work as a wrong password and timing does not reveal which
 * usernames exist. Created on the first login attempt of an instance, whatever its outcome.
 */
let dummyHash: Promise<string> | undefined;

/**
 * The principal of a username and password, or `UnauthorizedError` with one message for every
 * failure (unknown user, wrong password, deactivated account).
 */
export async function authenticate(username: string, password: string, lookup: UserLookup = findUserByUsername): Promise<Principal> {
  dummyHash ??= hashPassword(randomBytes(32).toString('base64'));
  const normalized = username.trim().toLowerCase();
  const user = normalized ? await lookup(normalized) : undefined;
  const passwordMatches = await verifyPassword(password, user?.passwordHash ?? (await dummyHash));
  if (!user || !passwordMatches || !user.active) throw new UnauthorizedError('Invalid username or password');
  return { userId: user.id, role: user.role, driverId: user.driverId };
}
