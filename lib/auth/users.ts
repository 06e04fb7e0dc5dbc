import { timedQuery } from '../db/index.js';
import type { Role } from './principal.js';

/** What a login needs to know about a user. */
export interface UserCredentials {
  id: number;
  role: Role;
  driverId: number | null;
  passwordHash: string;
  active: boolean;
}

export type UserLookup = (username: string) => Promise<UserCredentials | undefined>;

/**
 * Usernames are stored lower-case, so the unique index on `username` serves this lookup. A driver
 * login is active only while its driver is too (a deactivated driver cannot log in).
 */
export async function findUserByUsername(username: string): Promise<UserCredentials | undefined> {
  const rows = await timedQuery('users.find_by_username', (sql) =>
    sql<Array<{ id: number; role: Role; driver_id: number | null; password_hash: string; active: boolean }>>`
      SELECT u.id, u.role, u.driver_id, u.password_hash, u.active AND coalesce(d.active, true) AS active
      FROM users u
      LEFT JOIN drivers d ON d.id = u.driver_id
      WHERE u.username = ${username.toLowerCase()}
    `,
  );
  const row = rows[0];
  return row && { id: row.id, role: row.role, driverId: row.driver_id, passwordHash: row.password_hash, active: row.active };
}

/** Stores `newHash` for a user if its hash is still `oldHash`; false when another change came first. */
export type PasswordHashUpdate = (userId: number, oldHash: string, newHash: string) => Promise<boolean>;

/** Compare-and-set, so a rehash never overwrites a password changed meanwhile. */
export async function replacePasswordHash(userId: number, oldHash: string, newHash: string): Promise<boolean> {
  const rows = await timedQuery('users.replace_password_hash', (sql) =>
    sql`
      UPDATE users SET password_hash = ${newHash}
      WHERE id = ${userId} AND password_hash = ${oldHash}
      RETURNING id
    `,
  );
  return rows.length === 1;
}

/** Whether a user exists and is active, by the same rule as the login (its driver active too). */
export async function findUserActive(userId: number): Promise<boolean> {
  const rows = await timedQuery('users.active', (sql) =>
    sql<Array<{ active: boolean }>>`
      SELECT u.active AND coalesce(d.active, true) AS active
      FROM users u
      LEFT JOIN drivers d ON d.id = u.driver_id
      WHERE u.id = ${userId}
    `,
  );
  return rows[0]?.active ?? false;
}
