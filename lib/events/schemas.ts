import { z } from 'zod';
import { cursorPageSchema, cursorPaginationQuery } from '../pagination/index.js';
import { timestampParam } from '../validation/index.js';
import { wireInstant } from '../validation/wire.js';
import { EVENT_TYPES, type EventType } from '../vocabulary/index.js';

/** The events read API on the wire (ingestion's request shapes live in lib/ingest). */

const EVENT_TYPE_LIST = new RegExp(`^(${EVENT_TYPES.join('|')})(,(${EVENT_TYPES.join('|')}))*$`);

export const driverEventsQuery = cursorPaginationQuery
  .extend({
    from: timestampParam().optional().describe('Events at or after this instant. Default: 7 days before `to`.'),
    to: timestampParam().optional().describe('Events before this instant. Default: the start of the next UTC hour.'),
    types: z
      .string()
      .regex(EVENT_TYPE_LIST, { error: `must be a comma-separated list of: ${EVENT_TYPES.join(', ')}` })
      .transform((list) => [...new Set(list.split(','))].sort() as EventType[])
      .optional()
      .describe(`Only these event types, comma-separated (${EVENT_TYPES.join(', ')}).`),
  })
  .strict();

export const telematicsEvent = z
  .object({
    event_id: z.uuid(),
    ts: wireInstant.describe('Exact to the microsecond'),
    driver_id: z.number().int().positive(),
    vehicle_id: z.number().int().positive(),
    trip_id: z.uuid().nullable(),
    event_type: z.enum(EVENT_TYPES),
    lat: z.number().min(-90).max(90).nullable(),
    lon: z.number().min(-180).max(180).nullable(),
    speed_kmh: z.number().nullable(),
    acceleration_mps2: z.number().nullable(),
    lateral_mps2: z.number().nullable(),
    heading_deg: z.number().nullable(),
    data: z.record(z.string(), z.unknown()),
    received_at: wireInstant,
  })
  .meta({ id: 'TelematicsEvent' });

export const eventPage = cursorPageSchema(telematicsEvent);

export type DriverEventsQuery = z.output<typeof driverEventsQuery>;
export type TelematicsEvent = z.output<typeof telematicsEvent>;
export type EventPage = z.output<typeof eventPage>;
