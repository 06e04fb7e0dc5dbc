import { hkdfSync } from 'node:crypto';
import { getConfig } from '../config/index.js';

/**
 * Keys derived from the one configured secret (`JWT_SECRET`), one per purpose, with HKDF-SHA256:
 * a MAC made for one purpose can never stand in for another's (a pagination cursor's for a token
 * signature), and a purpose's version suffix lets its key be rotated alone.
 */
export type KeyPurpose = 'access-token/v1' | 'pagination-cursor/v1';

const KEY_BYTES = 32;
/** Cached per purpose; recomputed when the secret changes (tests that swap the configuration). */
const cache = new Map<KeyPurpose, { secret: string; key: Buffer }>();

export function derivedKey(purpose: KeyPurpose): Buffer {
  const secret = getConfig().auth.jwtSecret;
  let cached = cache.get(purpose);
  if (cached?.secret !== secret) {
    cached = { secret, key: Buffer.from(hkdfSync('sha256', secret, '', `telematics/${purpose}`, KEY_BYTES)) };
    cache.set(purpose, cached);
  }
  return cached.key;
}
