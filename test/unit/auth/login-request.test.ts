import { describe, expect, it } from 'vitest';
import { loginRequest } from '../../../lib/auth/login.js';

describe('login request body', () => {
  it('accepts a username and a password', () => {
    expect(loginRequest.parse({ username: ' admin ', password: 'secret' })).toEqual({ username: 'admin', password: 'secret' });
  });

  it('refuses an unknown field, naming it', () => {
    const result = loginRequest.safeParse({ username: 'admin', password: 'secret', remember_me: true });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('remember_me');
  });
});
