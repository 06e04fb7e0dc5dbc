import { defineRoute } from '../router/index.js';
import { driverIdPath } from '../validation/wire.js';
import { createDriverBody, driverDetail, driverListQuery, driverPage, driverStatistics, statisticsQuery, updateDriverBody } from './schemas.js';

/** The drivers routes (SPEC 4), served by functions/drivers and documented by lib/openapi. */
export const driversApi = {
  list: defineRoute({
    method: 'GET', path: '/api/v1/drivers', operationId: 'listDrivers', tag: 'drivers', auth: 'admin',
    summary: 'List drivers (filter by status, risk band and name prefix; sort; offset pages)',
    request: { query: driverListQuery },
    response: { status: 200, description: 'One page of drivers', schema: driverPage },
  }),
  create: defineRoute({
    method: 'POST', path: '/api/v1/drivers', operationId: 'createDriver', tag: 'drivers', auth: 'admin',
    summary: 'Create a driver, optionally with a driver login',
    request: { body: createDriverBody },
    response: { status: 201, description: 'The created driver (Location names it)', schema: driverDetail },
    errors: [409],
  }),
  me: defineRoute({
    method: 'GET', path: '/api/v1/drivers/me', operationId: 'getMyDriver', tag: 'drivers', auth: 'driver',
    summary: "The signed-in driver's profile",
    response: { status: 200, description: 'The driver', schema: driverDetail },
    errors: [404],
  }),
  myStatistics: defineRoute({
    method: 'GET', path: '/api/v1/drivers/me/statistics', operationId: 'getMyStatistics', tag: 'drivers', auth: 'driver',
    summary: "The signed-in driver's driving statistics over a period",
    request: { query: statisticsQuery },
    response: { status: 200, description: 'Totals over the period, from trips', schema: driverStatistics },
  }),
  detail: defineRoute({
    method: 'GET', path: '/api/v1/drivers/{driverId}', operationId: 'getDriver', tag: 'drivers', auth: 'driver',
    summary: 'A driver with vehicles and policies (drivers: only their own id)',
    request: { path: driverIdPath },
    response: { status: 200, description: 'The driver', schema: driverDetail },
    errors: [404],
  }),
  update: defineRoute({
    method: 'PATCH', path: '/api/v1/drivers/{driverId}', operationId: 'updateDriver', tag: 'drivers', auth: 'admin',
    summary: "Change a driver's details, or (de)activate them",
    request: { path: driverIdPath, body: updateDriverBody },
    response: { status: 200, description: 'The driver as changed', schema: driverDetail },
    errors: [404, 409],
  }),
  deactivate: defineRoute({
    method: 'DELETE', path: '/api/v1/drivers/{driverId}', operationId: 'deactivateDriver', tag: 'drivers', auth: 'admin',
    summary: 'Deactivate a driver: their login stops working and they leave active lists (history is kept)',
    request: { path: driverIdPath },
    response: { status: 204, description: 'Deactivated (also when already inactive)' },
    errors: [404],
  }),
  statistics: defineRoute({
    method: 'GET', path: '/api/v1/drivers/{driverId}/statistics', operationId: 'getDriverStatistics', tag: 'drivers', auth: 'driver',
    summary: "A driver's driving statistics over a period (drivers: only their own id)",
    request: { path: driverIdPath, query: statisticsQuery },
    response: { status: 200, description: 'Totals over the period, from trips', schema: driverStatistics },
    errors: [404],
  }),
};
