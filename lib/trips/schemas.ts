import { z } from 'zod';
import { EVENT_TYPES } from '../vocabulary/index.js';
import { cursorPageSchema, cursorPaginationQuery } from '../pagination/index.js';
import { wireInstant } from '../validation/wire.js';

/** The trips API on the wire. */

export const tripIdPath = z.strictObject({ tripId: z.uuid({ error: 'must be a UUID' }) });

const coordinate = (min: number, max: number) => z.number().min(min).max(max).nullable();

export const trip = z
  .object({
    id: z.uuid(),
    driver_id: z.number().int().positive(),
    vehicle_id: z.number().int().positive(),
    started_at: wireInstant,
    ended_at: wireInstant.nullable().describe('null while the trip is being driven'),
    distance_km: z.number().min(0),
    duration_s: z.number().int().min(0),
    avg_speed_kmh: z.number().min(0),
    max_speed_kmh: z.number().min(0),
    harsh_braking_count: z.number().int().min(0),
    harsh_acceleration_count: z.number().int().min(0),
    harsh_cornering_count: z.number().int().min(0),
    speeding_count: z.number().int().min(0),
    night_distance_km: z.number().min(0),
    event_count: z.number().int().min(0),
    start_lat: coordinate(-90, 90),
    start_lon: coordinate(-180, 180),
    end_lat: coordinate(-90, 90),
    end_lon: coordinate(-180, 180),
  })
  .meta({ id: 'Trip' });

export const tripEvent = z
  .object({
    event_id: z.uuid(),
    ts: wireInstant.describe('Exact to the microsecond'),
    event_type: z.enum(EVENT_TYPES),
    lat: coordinate(-90, 90),
    lon: coordinate(-180, 180),
    speed_kmh: z.number().nullable(),
    acceleration_mps2: z.number().nullable(),
    lateral_mps2: z.number().nullable(),
    heading_deg: z.number().nullable(),
    data: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'TripEvent' });

export const tripWithEvents = z
  .object({
    trip,
    events: z.array(tripEvent).describe('In time order, at most `events_limit`'),
    events_truncated: z.boolean().describe('true when the trip has more events than were returned'),
  })
  .meta({ id: 'TripWithEvents' });

export const driverTripsQuery = cursorPaginationQuery.strict();
export const tripPage = cursorPageSchema(trip);

export type Trip = z.output<typeof trip>;
export type TripEvent = z.output<typeof tripEvent>;
export type TripWithEvents = z.output<typeof tripWithEvents>;
export type DriverTripsQuery = z.output<typeof driverTripsQuery>;
export type TripPage = z.output<typeof tripPage>;
