import { z } from 'zod';
import { defineRoute } from '../router/index.js';
import { ROLES } from './principal.js';
import { loginRequest } from './login.js';

/** The OAuth 2.0 token response (RFC 6749 5.1) as the login route answers it. */
export const loginResult = z
  .object({
    access_token: z.string(),
    token_type: z.literal('Bearer'),
    expires_in: z.number().int().positive().describe('Seconds until the token expires'),
    role: z.enum(ROLES),
    driver_id: z.number().int().positive().nullable().describe('The driver this login belongs to; null for admins'),
  })
  .meta({ id: 'LoginResult' });

/** The sign-in route (SPEC 4), served by functions/auth and documented by lib/openapi. */
export const authApi = {
  login: defineRoute({
    method: 'POST', path: '/api/v1/auth/login', operationId: 'login', tag: 'auth', auth: 'public',
    summary: 'Exchange a username and password for a signed, expiring bearer token',
    description: 'Unknown users, wrong passwords and deactivated accounts get the same 401. Repeated failures for one username or from one address answer 429 with Retry-After.',
    request: { body: loginRequest },
    response: { status: 200, description: 'A bearer token', schema: loginResult },
    errors: [401, 429],
  }),
};
