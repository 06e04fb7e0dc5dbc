import { hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { derivedKey } from '../../../lib/auth/keys.js';
import { getConfig } from '../../../lib/config/index.js';

describe('derivedKey', () => {
  it('derives a 32-byte key per purpose with HKDF-SHA256 from the configured secret', () => {
    const expected = Buffer.from(hkdfSync('sha256', getConfig().auth.jwtSecret, '', 'telematics/pagination-cursor/v1', 32));

    expect(derivedKey('pagination-cursor/v1').equals(expected)).toBe(true);
  });

  it('gives each purpose its own key, none equal to the secret itself', () => {
    const token = derivedKey('access-token/v1');
    const cursor = derivedKey('pagination-cursor/v1');

    expect(token.equals(cursor)).toBe(false);
    expect(token.equals(Buffer.from(getConfig().auth.jwtSecret))).toBe(false);
  });

  it('computes a key once and hands out the cached one afterwards', () => {
    expect(derivedKey('access-token/v1')).toBe(derivedKey('access-token/v1'));
  });
});
