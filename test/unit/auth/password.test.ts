import { describe, expect, it } from 'vitest';
import { hashPassword, passwordNeedsRehash, verifyPassword } from '../../../lib/auth/index.js';
import { acceptableScryptParams } from '../../../lib/auth/password.js';

describe('hashPassword and verifyPassword', () => {
  it('stores scrypt parameters, salt and key in a self-describing string', async () => {
    const stored = await hashPassword('correct horse battery staple');

    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple');

    await expect(verifyPassword('correct horse battery staple', stored)).resolves.toBe(true);
    await expect(verifyPassword('correct horse battery stapler', stored)).resolves.toBe(false);
  });

  it('salts every hash, so one password gives different stored values', async () => {
    const [a, b] = await Promise.all([hashPassword('same'), hashPassword('same')]);

    expect(a).not.toBe(b);
  });

  it('still verifies hashes made with other (older) parameters', async () => {
    // A hash made with N=2^14, as a past parameter choice would have stored it.
    const { scryptSync, randomBytes } = await import('node:crypto');
    const salt = randomBytes(16);
    const key = scryptSync('old password', salt, 32, { N: 2 ** 14, r: 8, p: 1 });
    const stored = `scrypt$16384$8$1$${salt.toString('base64')}$${key.toString('base64')}`;

    await expect(verifyPassword('old password', stored)).resolves.toBe(true);
    expect(passwordNeedsRehash(stored)).toBe(true);
  });

  it('treats malformed or absurd stored values as a wrong password', async () => {
    const salt = Buffer.alloc(16).toString('base64');
    const key = Buffer.alloc(32).toString('base64');
    for (const stored of ['', 'plain-text', `bcrypt$1$2$3$${salt}$${key}`, `scrypt$1000$8$1$${salt}$${key}`, `scrypt$${2 ** 24}$8$1$${salt}$${key}`]) {
      await expect(verifyPassword('anything', stored)).resolves.toBe(false);
    }
  });

  it('bounds stored parameters by the memory scrypt needs (128 * N * r <= 64 MiB), not each one alone', () => {
    expect(acceptableScryptParams({ N: 2 ** 20, r: 32, p: 1 })).toBe(false); // 4 GiB
    expect(acceptableScryptParams({ N: 2 ** 17, r: 8, p: 1 })).toBe(false); // 128 MiB
    expect(acceptableScryptParams({ N: 2 ** 16, r: 8, p: 1 })).toBe(true); // 64 MiB
    expect(acceptableScryptParams({ N: 2 ** 19, r: 1, p: 1 })).toBe(true); // 64 MiB
  });

  it('bounds the work (N * r * p) at 16 times the current cost', () => {
    expect(acceptableScryptParams({ N: 2 ** 15, r: 8, p: 16 })).toBe(true);
    expect(acceptableScryptParams({ N: 2 ** 16, r: 8, p: 16 })).toBe(false);
  });

  it('refuses a stored hash with out-of-bounds parameters as a wrong password', async () => {
    const salt = Buffer.alloc(16).toString('base64');
    const key = Buffer.alloc(32).toString('base64');

    await expect(verifyPassword('anything', `scrypt$${2 ** 20}$32$1$${salt}$${key}`)).resolves.toBe(false);
    expect(passwordNeedsRehash(`scrypt$${2 ** 20}$32$1$${salt}$${key}`)).toBe(true);
  });

  it('verifies a hash at the memory bound (N=2^16, r=8)', async () => {
    const { scryptSync, randomBytes } = await import('node:crypto');
    const salt = randomBytes(16);
    const key = scryptSync('edge password', salt, 32, { N: 2 ** 16, r: 8, p: 1, maxmem: 2 * 64 * 1024 * 1024 });
    const stored = `scrypt$65536$8$1$${salt.toString('base64')}$${key.toString('base64')}`;

    await expect(verifyPassword('edge password', stored)).resolves.toBe(true);
  });

  it('does not ask to rehash a hash made with the current parameters', async () => {
    expect(passwordNeedsRehash(await hashPassword('x'))).toBe(false);
  });
});
