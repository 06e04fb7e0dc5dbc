import { login } from '../../lib/auth/index.js';
import { authApi } from '../../lib/auth/routes.js';
import { routeByKey, serveRoute } from '../../lib/router/index.js';

/** Sign-in (SPEC 4): a signed, expiring token for a username and password. */
export const handler = routeByKey({
  ...serveRoute(authApi.login, ({ body, event }) => login(body.username, body.password, event.requestContext?.http?.sourceIp)),
});
