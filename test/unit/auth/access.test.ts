import { describe, expect, it, vi } from 'vitest';
import {
  assertAccess,
  assertCanReadDriver,
  authenticate,
  hashPassword,
  ownDriverId,
  passwordNeedsRehash,
  verifyPassword,
  type Principal,
  type UserCredentials,
} from '../../../lib/auth/index.js';
import { DUMMY_PASSWORD_HASH } from '../../../lib/auth/authenticate.js';
import { ForbiddenError, UnauthorizedError } from '../../../lib/errors/index.js';

const driver: Principal = { userId: 7, role: 'driver', driverId: 42 };
const admin: Principal = { userId: 1, role: 'admin', driverId: null };

describe('assertCanReadDriver', () => {
  it('lets a driver read its own data', () => {
    expect(() => assertCanReadDriver(driver, 42)).not.toThrow();
  });

  it("forbids a driver to read another driver's data", () => {
    expect(() => assertCanReadDriver(driver, 43)).toThrow(ForbiddenError);
  });

  it('lets an admin read any driver', () => {
    expect(() => assertCanReadDriver(admin, 43)).not.toThrow();
  });
});

describe('assertAccess', () => {
  it('lets drivers and admins into driver routes and only admins into admin routes', () => {
    expect(() => assertAccess(driver, 'driver')).not.toThrow();
    expect(() => assertAccess(admin, 'driver')).not.toThrow();
    expect(() => assertAccess(admin, 'admin')).not.toThrow();
    expect(() => assertAccess(driver, 'admin')).toThrow(ForbiddenError);
  });
});

describe('ownDriverId', () => {
  it("returns a driver's own id and refuses logins without one", () => {
    expect(ownDriverId(driver)).toBe(42);
    expect(() => ownDriverId(admin)).toThrow(ForbiddenError);
  });
});

describe('authenticate', () => {
  it('checks unknown usernames against a constant hash made with the current parameters, so they cost a real verification', async () => {
    expect(passwordNeedsRehash(DUMMY_PASSWORD_HASH)).toBe(false);
    await expect(verifyPassword('s3cret-pass', DUMMY_PASSWORD_HASH)).resolves.toBe(false);
  });

  const passwordHash = hashPassword('s3cret-pass');

  async function user(overrides: Partial<UserCredentials> = {}): Promise<UserCredentials> {
    return { id: 7, role: 'driver', driverId: 42, passwordHash: await passwordHash, active: true, ...overrides };
  }

  it('returns the principal for the right password, looking the username up lower-cased', async () => {
    const lookup = vi.fn(async () => user());

    await expect(authenticate('  Alice ', 's3cret-pass', lookup)).resolves.toEqual(driver);
    expect(lookup).toHaveBeenCalledWith('alice');
  });

  it('answers a wrong password, an unknown user and a deactivated account with the same error', async () => {
    const outcomes = await Promise.all([
      authenticate('alice', 'wrong', async () => user()).catch((e: unknown) => e),
      authenticate('nobody', 's3cret-pass', () => Promise.resolve(undefined)).catch((e: unknown) => e),
      authenticate('alice', 's3cret-pass', async () => user({ active: false })).catch((e: unknown) => e),
    ]);

    for (const outcome of outcomes) {
      expect(outcome).toBeInstanceOf(UnauthorizedError);
      expect((outcome as Error).message).toBe('Invalid username or password');
    }
  });
});
