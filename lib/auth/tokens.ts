import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import { getConfig } from '../config/index.js';
import { UnauthorizedError } from '../errors/index.js';
import { getLogger } from '../logger/index.js';
import { derivedKey } from './keys.js';
import { ROLES, type Principal } from './principal.js';

/**
 * Access tokens: compact JWS, HS256 with a key derived from the configured secret, carrying `sub` (user id),
 * `role` and `driver_id`, bound to our issuer and audience and expiring after the configured TTL.
 * Verification pins the algorithm, so `alg: none` and algorithm-confusion tokens are refused.
 */

const ALGORITHM = 'HS256';
/** Real tokens are a few hundred bytes; refuse to even parse anything much larger. */
const MAX_TOKEN_LENGTH = 4096;

const ClaimsSchema = z
  .object({
    sub: z.string().regex(/^[1-9]\d{0,15}$/),
    role: z.enum(ROLES),
    driver_id: z.number().int().positive().nullable(),
  })
  .refine((claims) => claims.role !== 'driver' || claims.driver_id !== null, { message: 'a driver token needs driver_id' });

/**
 * The HMAC key as a WebCrypto key, imported once per derived key: given raw bytes, jose imports
 * them again on every sign and verify, which more than doubled the cost of checking a token.
 */
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
let imported: { raw: Uint8Array; key: Promise<HmacKey> } | undefined;

function signingKey(): Promise<HmacKey> {
  const raw = derivedKey('access-token/v1');
  // derivedKey returns the same buffer until the secret changes (tests that swap the configuration).
  if (imported?.raw !== raw) {
    imported = { raw, key: crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']) };
  }
  return imported.key;
}

export interface IssuedToken {
  token: string;
  expiresAt: Date;
  expiresInS: number;
}

/** Signs a token for `principal`, valid from `now` for the configured TTL. */
export async function issueToken(principal: Principal, now: Date = new Date()): Promise<IssuedToken> {
  const { issuer, audience, tokenTtlS } = getConfig().auth;
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = issuedAt + tokenTtlS;
  const token = await new SignJWT({ role: principal.role, driver_id: principal.driverId })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(String(principal.userId))
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(await signingKey());
  return { token, expiresAt: new Date(expiresAt * 1000), expiresInS: tokenTtlS };
}

/**
 * The principal of a valid token. Throws `UnauthorizedError` for anything else: expired, not yet
 * valid, bad signature, other algorithm, wrong issuer or audience, malformed, or unexpected claims.
 */
export async function verifyToken(token: string, now?: Date): Promise<Principal> {
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) throw new UnauthorizedError('The access token is invalid');
  const { issuer, audience } = getConfig().auth;
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, await signingKey(), {
      algorithms: [ALGORITHM],
      issuer,
      audience,
      requiredClaims: ['exp', 'iat', 'sub'],
      ...(now ? { currentDate: now } : {}),
    }));
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new UnauthorizedError('The access token has expired');
    getLogger().debug('access token refused', { reason: error instanceof Error ? error.message : String(error) });
    throw new UnauthorizedError('The access token is invalid');
  }
  const claims = ClaimsSchema.safeParse(payload);
  if (!claims.success) throw new UnauthorizedError('The access token is invalid');
  return { userId: Number(claims.data.sub), role: claims.data.role, driverId: claims.data.driver_id };
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearerToken(authorization: string | undefined): string {
  if (!authorization) throw new UnauthorizedError('An Authorization: Bearer token is required');
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(authorization);
  if (!match?.[1]) throw new UnauthorizedError('The Authorization header must be "Bearer <token>"');
  return match[1];
}
