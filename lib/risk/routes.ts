import { defineRoute } from '../router/index.js';
import { driverIdPath } from '../validation/wire.js';
import { riskHistoryPage, riskHistoryQuery, riskScore } from './schemas.js';

const noScore = 'The driver has no score yet (404 `risk_score_not_found`): scoring runs hourly.';

/** The risk routes (SPEC 4), served by functions/risk and documented by lib/openapi. */
export const riskApi = {
  myCurrent: defineRoute({
    method: 'GET', path: '/api/v1/drivers/me/risk', operationId: 'getMyRiskScore', tag: 'risk', auth: 'driver',
    summary: "The signed-in driver's current risk score with its reasons", description: noScore,
    response: { status: 200, description: 'The latest score', schema: riskScore },
    errors: [404],
  }),
  myHistory: defineRoute({
    method: 'GET', path: '/api/v1/drivers/me/risk/history', operationId: 'getMyRiskHistory', tag: 'risk', auth: 'driver',
    summary: "The signed-in driver's scores, newest first (cursor pages)",
    request: { query: riskHistoryQuery },
    response: { status: 200, description: 'One page of scores', schema: riskHistoryPage },
  }),
  current: defineRoute({
    method: 'GET', path: '/api/v1/drivers/{driverId}/risk', operationId: 'getRiskScore', tag: 'risk', auth: 'driver',
    summary: "A driver's current risk score with its reasons (drivers: only their own id)", description: noScore,
    request: { path: driverIdPath },
    response: { status: 200, description: 'The latest score', schema: riskScore },
    errors: [404],
  }),
  history: defineRoute({
    method: 'GET', path: '/api/v1/drivers/{driverId}/risk/history', operationId: 'getRiskHistory', tag: 'risk', auth: 'driver',
    summary: "A driver's scores, newest first (cursor pages; drivers: only their own id)",
    request: { path: driverIdPath, query: riskHistoryQuery },
    response: { status: 200, description: 'One page of scores', schema: riskHistoryPage },
    errors: [404],
  }),
};
