import { assertUserActive } from './cache.js';
import type { Principal } from './principal.js';
import { verifyToken } from './tokens.js';

/**
 * The principal of a valid access token whose account is still active: how every transport admits
 * a caller (the HTTP API's authorize step, the WebSocket API's `$connect`). Throws
 * `UnauthorizedError` (401) for an invalid or expired token and for a deactivated or deleted
 * account, whatever its role.
 */
export async function principalFromToken(token: string): Promise<Principal> {
  const principal = await verifyToken(token);
  await assertUserActive(principal);
  return principal;
}
