import { login, loginRequest } from '../../lib/auth/index.js';
import { httpHandler } from '../../lib/middleware/index.js';
import { routeByKey } from '../../lib/router/index.js';

/** Sign-in (SPEC 4): a signed, expiring token for a username and password. */
export const handler = routeByKey({
  'POST /api/v1/auth/login': (route) =>
    httpHandler({ route, auth: 'public', schemas: { body: loginRequest } }, ({ body, event }) =>
      login(body.username, body.password, event.requestContext?.http?.sourceIp),
    ),
});
