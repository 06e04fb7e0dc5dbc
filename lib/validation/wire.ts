import { z } from 'zod';
import { idParam } from './input.js';

/** Wire pieces shared by every domain's schemas. */

/** `{driverId}` in a route path. */
export const driverIdPath = z.strictObject({ driverId: idParam() });

/** An instant in a response: ISO 8601 in UTC, e.g. `2030-01-31T12:00:00.000Z`. */
export const wireInstant = z.iso.datetime({ offset: true });

/** A calendar date in a response: `YYYY-MM-DD`. */
export const wireDate = z.iso.date();

/**
 * The event of a scheduled function invoked on demand with a clock of its own, e.g.
 * `{"now": "2027-03-01T00:00:00Z"}`; other fields (an EventBridge event's) are ignored.
 */
export const clockEvent = z.looseObject({ now: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2027-03-01T00:00:00Z' }).optional() });
