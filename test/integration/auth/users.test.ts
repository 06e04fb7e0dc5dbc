import { randomBytes, scryptSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertCanReadDriver, authenticate, findUserByUsername, hashPassword, issueToken, login, passwordNeedsRehash, verifyPassword, verifyToken,
} from '../../../lib/auth/index.js';
import { closeDb, getDb } from '../../../lib/db/index.js';
import { ForbiddenError, UnauthorizedError } from '../../../lib/errors/index.js';
import { closeRedis } from '../../../lib/redis/index.js';

/** Logins against the real `users` table of the test database, with rows of this file only. */

const suffix = randomBytes(4).toString('hex');
const driverUsername = `auth-it-driver-${suffix}`;
const adminUsername = `auth-it-admin-${suffix}`;
const inactiveUsername = `auth-it-gone-${suffix}`;
const PASSWORD = 'correct horse battery staple';

let driverId: number;
let otherDriverId: number;
const userIds: number[] = [];

async function insertDriver(label: string): Promise<number> {
  const [row] = await getDb()<Array<{ id: number }>>`
    INSERT INTO drivers (license_number, name, email, date_of_birth, licensed_since)
    VALUES (${`AUTH-${suffix}-${label}`.toUpperCase()}, ${`Auth Test ${label}`}, ${`auth-${suffix}-${label}@example.com`}, '1990-01-01', '2010-01-01')
    RETURNING id
  `;
  return row!.id;
}

async function insertUser(username: string, role: 'driver' | 'admin', linkedDriver: number | null, active = true, passwordHash?: string): Promise<void> {
  const [row] = await getDb()<Array<{ id: number }>>`
    INSERT INTO users (username, password_hash, role, driver_id, active)
    VALUES (${username}, ${passwordHash ?? (await hashPassword(PASSWORD))}, ${role}, ${linkedDriver}, ${active})
    RETURNING id
  `;
  userIds.push(row!.id);
}

beforeAll(async () => {
  driverId = await insertDriver('a');
  otherDriverId = await insertDriver('b');
  await insertUser(driverUsername, 'driver', driverId);
  await insertUser(adminUsername, 'admin', null);
  await insertUser(inactiveUsername, 'driver', otherDriverId, false);
});

afterAll(async () => {
  const sql = getDb();
  await sql`DELETE FROM users WHERE id = ANY(${userIds})`;
  await sql`DELETE FROM drivers WHERE id = ANY(${[driverId, otherDriverId]})`;
  await closeDb();
  // Logins count attempts in Redis (login throttling).
  await closeRedis();
});

describe('logins against the users table', () => {
  it('finds a user by username, whatever its case, with its role and driver link', async () => {
    const user = await findUserByUsername(driverUsername.toUpperCase());

    expect(user).toMatchObject({ role: 'driver', driverId, active: true });
    expect(user?.passwordHash).toMatch(/^scrypt\$/);
  });

  it('finds nobody for an unknown username', async () => {
    await expect(findUserByUsername(`nobody-${suffix}`)).resolves.toBeUndefined();
  });

  it('authenticates a driver and an admin with their passwords', async () => {
    await expect(authenticate(driverUsername, PASSWORD)).resolves.toMatchObject({ role: 'driver', driverId });
    await expect(authenticate(adminUsername, PASSWORD)).resolves.toMatchObject({ role: 'admin', driverId: null });
  });

  it('refuses a wrong password, an unknown user and a deactivated account alike', async () => {
    for (const [username, password] of [
      [driverUsername, 'wrong password'],
      [`nobody-${suffix}`, PASSWORD],
      [inactiveUsername, PASSWORD],
    ] as const) {
      await expect(authenticate(username, password)).rejects.toThrow(new UnauthorizedError('Invalid username or password'));
    }
  });

  it('logs in with a bearer token response naming the role and driver, for drivers and admins', async () => {
    const asDriver = await login(driverUsername, PASSWORD);
    const asAdmin = await login(adminUsername.toUpperCase(), PASSWORD);

    expect(asDriver).toMatchObject({ token_type: 'Bearer', expires_in: 3600, role: 'driver', driver_id: driverId });
    expect(asAdmin).toMatchObject({ token_type: 'Bearer', role: 'admin', driver_id: null });
    await expect(verifyToken(asDriver.access_token)).resolves.toMatchObject({ role: 'driver', driverId });
  });

  it('refuses to log a deactivated account in', async () => {
    await expect(login(inactiveUsername, PASSWORD)).rejects.toThrow(new UnauthorizedError('Invalid username or password'));
  });

  it("issues a token that lets the driver read its own data and not another driver's", async () => {
    const principal = await authenticate(driverUsername, PASSWORD);
    const verified = await verifyToken((await issueToken(principal)).token);

    expect(() => assertCanReadDriver(verified, driverId)).not.toThrow();
    expect(() => assertCanReadDriver(verified, otherDriverId)).toThrow(ForbiddenError);
  });

  it('stores a hash with the current parameters when a login finds one made with older ones', async () => {
    const username = `auth-it-old-hash-${suffix}`;
    // Half today's scrypt cost (N = 2^14), as a hash stored before the parameters were raised.
    const salt = randomBytes(16);
    const outdated = ['scrypt', 2 ** 14, 8, 1, salt.toString('base64'), scryptSync(PASSWORD, salt, 32, { N: 2 ** 14, r: 8, p: 1 }).toString('base64')].join('$');
    await insertUser(username, 'admin', null, true, outdated);
    expect(passwordNeedsRehash(outdated)).toBe(true);

    await login(username, PASSWORD);

    const stored = (await findUserByUsername(username))?.passwordHash ?? '';
    expect(stored).not.toBe(outdated);
    expect(passwordNeedsRehash(stored)).toBe(false);
    await expect(verifyPassword(PASSWORD, stored)).resolves.toBe(true);
    await expect(login(username, PASSWORD)).resolves.toMatchObject({ role: 'admin' });
  });

  it('leaves a current hash as it is', async () => {
    const before = (await findUserByUsername(adminUsername))?.passwordHash;

    await login(adminUsername, PASSWORD);

    expect((await findUserByUsername(adminUsername))?.passwordHash).toBe(before);
  });
});
