import { notImplemented, routeByKey } from '../../lib/router/index.js';

/** Sign-in (SPEC 4): a signed, expiring token for a username and password. */
export const handler = routeByKey({
  'POST /api/v1/auth/login': notImplemented,
});
