import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { issueToken } from '../../../lib/auth/index.js';
import { derivedKey } from '../../../lib/auth/keys.js';
import { getConfig } from '../../../lib/config/index.js';

/**
 * Bearer tokens the API must refuse with 401, each differing from a valid token in one respect.
 * They are made with the same configuration the offline server reads (the test stage's secret),
 * so only the named defect can be the reason for a refusal.
 */

export interface BadToken {
  name: string;
  /** The Authorization header to send; undefined sends none. */
  authorization: string | undefined;
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

interface Claims {
  userId: number;
  role: 'driver' | 'admin';
  driverId: number | null;
}

function signed(claims: Claims, options: { key?: Uint8Array; audience?: string; issuer?: string; expiresAt?: number; alg?: string } = {}) {
  const { issuer, audience, tokenTtlS } = getConfig().auth;
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: claims.role, driver_id: claims.driverId })
    .setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' })
    .setSubject(String(claims.userId))
    .setIssuer(options.issuer ?? issuer)
    .setAudience(options.audience ?? audience)
    .setIssuedAt(now)
    .setExpirationTime(options.expiresAt ?? now + tokenTtlS)
    .sign(options.key ?? derivedKey('access-token/v1'));
}

/**
 * Every kind of bad token, claiming `claims` (give an admin's to make a successful forgery as
 * valuable as possible), plus the still-valid token of a deactivated driver.
 */
export async function badTokens(claims: Claims, deactivatedDriverToken: string): Promise<BadToken[]> {
  const valid = await signed(claims);
  const [header, payload] = valid.split('.');
  const { tokenTtlS } = getConfig().auth;
  const expired = (await issueToken(claims, new Date(Date.now() - (tokenTtlS + 120) * 1000))).token;
  const bearer = (token: string) => `Bearer ${token}`;
  // The same claims made an admin's: what a forger would want.
  const escalated = base64url({ ...(JSON.parse(Buffer.from(payload!, 'base64url').toString()) as object), role: 'admin', driver_id: null });
  return [
    { name: 'missing', authorization: undefined },
    { name: 'empty bearer', authorization: 'Bearer ' },
    { name: 'not a bearer scheme', authorization: `Basic ${Buffer.from('admin:admin123!').toString('base64')}` },
    { name: 'garbage', authorization: bearer('not.a.jwt') },
    { name: 'expired', authorization: bearer(expired) },
    { name: 'forged (signed with another key)', authorization: bearer(await signed(claims, { key: randomBytes(32) })) },
    { name: 'forged (signed with the raw secret, not the derived key)', authorization: bearer(await signed(claims, { key: new TextEncoder().encode(getConfig().auth.jwtSecret) })) },
    { name: 'signature stripped', authorization: bearer(`${header}.${payload}.`) },
    { name: 'alg none', authorization: bearer(`${base64url({ alg: 'none', typ: 'JWT' })}.${escalated}.`) },
    { name: 'alg HS512 with the right key', authorization: bearer(await signed(claims, { alg: 'HS512' })) },
    { name: 'claims altered after signing', authorization: bearer(`${header}.${escalated}.${valid.split('.')[2]}`) },
    { name: 'wrong audience', authorization: bearer(await signed(claims, { audience: 'another-api' })) },
    { name: 'wrong issuer', authorization: bearer(await signed(claims, { issuer: 'someone-else' })) },
    { name: 'deactivated user', authorization: bearer(deactivatedDriverToken) },
  ];
}
