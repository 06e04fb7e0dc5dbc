import { z } from 'zod';
import { authenticate } from './authenticate.js';
import type { Role } from './principal.js';
import { issueToken } from './tokens.js';

/**
 * Sign-in (SPEC 4): a username and password for a signed, expiring access token.
 * Unknown users, wrong passwords and deactivated accounts all get the same 401.
 */

/**
 * The body of `POST /api/v1/auth/login`. Bounded so a request cannot hand scrypt megabytes to
 * normalize and hash; no other rules, as a login only compares with what is stored.
 */
export const loginRequest = z.object({
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

export async function login(username: string, password: string): Promise<LoginResult> {
  const principal = await authenticate(username, password);
  const { token, expiresInS } = await issueToken(principal);
  return { access_token: token, token_type: 'Bearer', expires_in: expiresInS, role: principal.role, driver_id: principal.driverId };
}
