import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { bearerToken, issueToken, verifyToken, type Principal } from '../../../lib/auth/index.js';
import { derivedKey } from '../../../lib/auth/keys.js';
import { getConfig } from '../../../lib/config/index.js';
import { UnauthorizedError } from '../../../lib/errors/index.js';

const driver: Principal = { userId: 7, role: 'driver', driverId: 42 };
const admin: Principal = { userId: 1, role: 'admin', driverId: null };

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A token with our claims signed by `key` (by default the real token key), for forging tests. */
function signWith(key: Uint8Array, claims: Record<string, unknown>, overrides: { issuer?: string; audience?: string } = {}) {
  const { issuer, audience } = getConfig().auth;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('7')
    .setIssuer(overrides.issuer ?? issuer)
    .setAudience(overrides.audience ?? audience)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(key);
}

async function rejection(promise: Promise<unknown>): Promise<UnauthorizedError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UnauthorizedError);
  return error as UnauthorizedError;
}

describe('issueToken and verifyToken', () => {
  it('round-trips a driver principal', async () => {
    const { token } = await issueToken(driver);

    await expect(verifyToken(token)).resolves.toEqual(driver);
  });

  it('round-trips an admin principal without a driver id', async () => {
    const { token } = await issueToken(admin);

    await expect(verifyToken(token)).resolves.toEqual(admin);
  });

  it('sets the expiry from the configured TTL', async () => {
    const now = new Date('2030-01-01T00:00:00Z');

    const issued = await issueToken(driver, now);

    expect(issued.expiresInS).toBe(getConfig().auth.tokenTtlS);
    expect(issued.expiresAt.getTime()).toBe(now.getTime() + getConfig().auth.tokenTtlS * 1000);
  });

  it('rejects an expired token with a message saying so', async () => {
    const issuedAt = new Date(Date.now() - 2 * getConfig().auth.tokenTtlS * 1000);
    const { token } = await issueToken(driver, issuedAt);

    const error = await rejection(verifyToken(token));

    expect(error.message).toMatch(/expired/);
  });

  it('accepts a token signed with the access-token key (the forging helper signs like issueToken)', async () => {
    await expect(verifyToken(await signWith(derivedKey('access-token/v1'), { role: 'admin', driver_id: null }))).resolves.toMatchObject({ role: 'admin' });
  });

  it('rejects a token signed with another secret', async () => {
    const forged = await signWith(new TextEncoder().encode('an-attacker-secret-that-is-long-enough!!'), { role: 'admin', driver_id: null });

    const error = await rejection(verifyToken(forged));

    expect(error.message).toMatch(/invalid/);
  });

  it('rejects a token signed with the raw configured secret or with the key of another purpose', async () => {
    const claims = { role: 'admin', driver_id: null };

    await rejection(verifyToken(await signWith(new TextEncoder().encode(getConfig().auth.jwtSecret), claims)));
    await rejection(verifyToken(await signWith(derivedKey('pagination-cursor/v1'), claims)));
  });

  it('rejects a token whose payload was changed after signing', async () => {
    const { token } = await issueToken(driver);
    const [header, , signature] = token.split('.');
    const tampered = `${header}.${b64url({ sub: '7', role: 'admin', driver_id: null, iss: getConfig().auth.issuer, aud: getConfig().auth.audience, iat: 1, exp: 4102444800 })}.${signature}`;

    await rejection(verifyToken(tampered));
  });

  it('rejects an unsigned token (alg none)', async () => {
    const { issuer, audience } = getConfig().auth;
    const unsigned = new UnsecuredJWT({ role: 'admin', driver_id: null }).setSubject('1').setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime('1h').encode();

    await rejection(verifyToken(unsigned));
  });

  it('rejects a token from another issuer or for another audience', async () => {
    const key = derivedKey('access-token/v1');

    await rejection(verifyToken(await signWith(key, { role: 'driver', driver_id: 42 }, { issuer: 'someone-else' })));
    await rejection(verifyToken(await signWith(key, { role: 'driver', driver_id: 42 }, { audience: 'another-api' })));
  });

  it('rejects a correctly signed token with claims we did not issue', async () => {
    const key = derivedKey('access-token/v1');

    await rejection(verifyToken(await signWith(key, { role: 'superuser', driver_id: null })));
    await rejection(verifyToken(await signWith(key, { role: 'driver', driver_id: null })));
  });

  it('rejects malformed tokens', async () => {
    for (const malformed of ['', 'abc', 'a.b.c', `${'x'.repeat(5000)}`, `${b64url({ alg: 'HS256' })}.not-json.sig`]) {
      await rejection(verifyToken(malformed));
    }
  });
});

describe('bearerToken', () => {
  it('extracts the token of a Bearer header, whatever the scheme case', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc.def.ghi')).toBe('abc.def.ghi');
  });

  it('asks for a token when the header is missing', () => {
    expect(() => bearerToken(undefined)).toThrow(/Bearer token is required/);
  });

  it('rejects other schemes and junk', () => {
    expect(() => bearerToken('Basic dXNlcjpwYXNz')).toThrow(UnauthorizedError);
    expect(() => bearerToken('Bearer ')).toThrow(UnauthorizedError);
    expect(() => bearerToken('Bearer a b')).toThrow(UnauthorizedError);
  });
});
