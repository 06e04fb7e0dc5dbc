import { defineRoute } from '../router/index.js';
import { driverIdPath } from '../validation/wire.js';
import { driverEventsQuery, eventPage } from './schemas.js';

/** The events read routes (SPEC 4), served by functions/events and documented by lib/openapi. */
export const eventsApi = {
  mine: defineRoute({
    method: 'GET', path: '/api/v1/drivers/me/events', operationId: 'listMyEvents', tag: 'events', auth: 'driver',
    summary: "The signed-in driver's telematics events in a period, newest first (cursor pages)",
    request: { query: driverEventsQuery },
    response: { status: 200, description: 'One page of events', schema: eventPage },
  }),
  ofDriver: defineRoute({
    method: 'GET', path: '/api/v1/drivers/{driverId}/events', operationId: 'listDriverEvents', tag: 'events', auth: 'driver',
    summary: "A driver's telematics events in a period, newest first (cursor pages; drivers: only their own id)",
    request: { path: driverIdPath, query: driverEventsQuery },
    response: { status: 200, description: 'One page of events', schema: eventPage },
    errors: [404],
  }),
};
