import { addLogKeys } from '../logger/index.js';
import { assertUserActive } from './cache.js';
import type { Principal } from './principal.js';
import { verifyToken } from './tokens.js';

/**
 * The principal of a valid access token whose account is still active: how every transport admits
 * a caller (the HTTP API's authorize step, the WebSocket API's `$connect`). Throws
 * `UnauthorizedError` (401) for an invalid or expired token and for a deactivated or deleted
 * account, whatever its role. Once the token is verified, the invocation's log lines name the
 * caller (`user_id`, `role`), the refusal of a deactivated account's included.
 */
export async function principalFromToken(token: string): Promise<Principal> {
  const principal = await verifyToken(token);
  addLogKeys({ user_id: principal.userId, role: principal.role });
  await assertUserActive(principal);
  return principal;
}
