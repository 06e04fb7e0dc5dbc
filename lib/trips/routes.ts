import { defineRoute } from '../router/index.js';
import { driverIdPath } from '../validation/wire.js';
import { driverTripsQuery, tripIdPath, tripPage, tripWithEvents } from './schemas.js';

/** The trips routes (SPEC 4), served by functions/trips and documented by lib/openapi. */
export const tripsApi = {
  mine: defineRoute({
    method: 'GET', path: '/api/v1/drivers/me/trips', operationId: 'listMyTrips', tag: 'trips', auth: 'driver',
    summary: "The signed-in driver's trips, newest first (cursor pages)",
    request: { query: driverTripsQuery },
    response: { status: 200, description: 'One page of trips', schema: tripPage },
  }),
  ofDriver: defineRoute({
    method: 'GET', path: '/api/v1/drivers/{driverId}/trips', operationId: 'listDriverTrips', tag: 'trips', auth: 'driver',
    summary: "A driver's trips, newest first (cursor pages; drivers: only their own id)",
    request: { path: driverIdPath, query: driverTripsQuery },
    response: { status: 200, description: 'One page of trips', schema: tripPage },
    errors: [404],
  }),
  one: defineRoute({
    method: 'GET', path: '/api/v1/trips/{tripId}', operationId: 'getTrip', tag: 'trips', auth: 'driver',
    summary: 'One trip with its events in time order (drivers: only their own trips)',
    request: { path: tripIdPath },
    response: { status: 200, description: 'The trip and its events', schema: tripWithEvents },
    errors: [404],
  }),
};
