import { z } from 'zod';
import { UnauthorizedError } from '../errors/index.js';
import { authenticate } from './authenticate.js';
import type { Principal, Role } from './principal.js';
import { getLoginThrottle } from './throttle.js';
import { issueToken } from './tokens.js';

/**
 * Sign-in (SPEC 4): a username and password for a signed, expiring access token.
 * Unknown users, wrong passwords and deactivated accounts all get the same 401; repeated failures
 * for one username or from one source get 429 for a while (throttle.ts).
 */

/**
 * The body of `POST /api/v1/auth/login`. Bounded so a request cannot hand scrypt megabytes to
 * normalize and hash; no other rules, as a login only compares with what is stored. Unknown
 * fields are refused like on every other route, so a misspelt field is a 400 naming it.
 */
export const loginRequest = z.strictObject({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});

export type LoginRequest = z.output<typeof loginRequest>;

/** The OAuth 2.0 token response fields (RFC 6749 5.1), plus who the token is for. */
export interface LoginResult {
  access_token: string;
  token_type: 'Bearer';
  /** Seconds until the token expires. */
  expires_in: number;
  role: Role;
  /** The driver this login belongs to; null for admins. */
  driver_id: number | null;
}

/** `sourceIp`: the client's address (API Gateway's `requestContext.http.sourceIp`), counted by the throttle. */
export async function login(username: string, password: string, sourceIp?: string): Promise<LoginResult> {
  const attempt = await getLoginThrottle().begin(username, sourceIp);
  let principal: Principal;
  try {
    principal = await authenticate(username, password);
  } catch (error) {
    // A wrong password stays counted; anything else said nothing about the password.
    if (!(error instanceof UnauthorizedError)) await attempt.abandoned();
    throw error;
  }
  await attempt.succeeded();
  const { token, expiresInS } = await issueToken(principal);
  return { access_token: token, token_type: 'Bearer', expires_in: expiresInS, role: principal.role, driver_id: principal.driverId };
}
