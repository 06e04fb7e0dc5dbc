import { defineRoute } from '../router/index.js';
import { driverIdPath } from '../validation/wire.js';
import { premium } from './schemas.js';

const noPremium = 'The driver has not been priced yet (404 `premium_not_found`): pricing follows each scoring run.';

/** The premium routes (SPEC 4), served by functions/premiums and documented by lib/openapi. */
export const premiumsApi = {
  mine: defineRoute({
    method: 'GET', path: '/api/v1/drivers/me/premium', operationId: 'getMyPremium', tag: 'premiums', auth: 'driver',
    summary: "The signed-in driver's current premium with its breakdown and reasons", description: noPremium,
    response: { status: 200, description: 'The latest premium', schema: premium },
    errors: [404],
  }),
  current: defineRoute({
    method: 'GET', path: '/api/v1/drivers/{driverId}/premium', operationId: 'getPremium', tag: 'premiums', auth: 'driver',
    summary: "A driver's current premium with its breakdown and reasons (drivers: only their own id)", description: noPremium,
    request: { path: driverIdPath },
    response: { status: 200, description: 'The latest premium', schema: premium },
    errors: [404],
  }),
};
