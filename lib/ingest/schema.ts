import { z } from 'zod';

/**
 * The telematics event on the wire (Kafka record value, element of an HTTP batch), in the
 * column names of `telematics_events`. One schema for both transports: a record Kafka delivers
 * and an event a device posts are validated by the same rules. Ranges are the table's CHECK
 * constraints, so a valid event can always be written; unknown fields are refused (extensions go
 * in `data`).
 */

export const EVENT_TYPES = ['position', 'trip_start', 'trip_end', 'harsh_braking', 'harsh_acceleration', 'harsh_cornering', 'speeding'] as const;
export type WireEventType = (typeof EVENT_TYPES)[number];

/** `data` is free-form JSON; this bounds what one event may carry. */
export const MAX_EVENT_DATA_BYTES = 4096;

const range = (min: number, max: number) => z.number().min(min).max(max);

export const telematicsEvent = z.strictObject({
  event_id: z.uuid(),
  ts: z.iso.datetime({ offset: true }),
  driver_id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  vehicle_id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  trip_id: z.uuid().nullable().optional(),
  event_type: z.enum(EVENT_TYPES),
  lat: range(-90, 90),
  lon: range(-180, 180),
  speed_kmh: range(0, 400).nullable().optional(),
  acceleration_mps2: range(-30, 30).nullable().optional(),
  lateral_mps2: range(-30, 30).nullable().optional(),
  heading_deg: z.number().min(0).lt(360).nullable().optional(),
  data: z
    .record(z.string(), z.unknown())
    .refine((value) => JSON.stringify(value).length <= MAX_EVENT_DATA_BYTES, { error: `must be at most ${MAX_EVENT_DATA_BYTES} bytes of JSON` })
    .optional(),
});
export type TelematicsEvent = z.output<typeof telematicsEvent>;

/** Events a device may post in one HTTP request; larger uploads are split by the device. */
export const MAX_HTTP_BATCH_EVENTS = 1000;
/** The request body limit of `POST /api/v1/events` (1,000 events of ~300 bytes, with room for `data`). */
export const HTTP_BATCH_MAX_BODY_BYTES = 1024 * 1024;

export const httpEventBatch = z.strictObject({
  events: z.array(telematicsEvent).min(1).max(MAX_HTTP_BATCH_EVENTS),
});
export type HttpEventBatch = z.output<typeof httpEventBatch>;

export const httpEventBatchResult = z.object({
  /** Events in the request. */
  received: z.number().int().nonnegative(),
  /** Events written by this request. */
  stored: z.number().int().nonnegative(),
  /** Events already stored before (same event_id and ts): accepted, nothing changed. */
  duplicates: z.number().int().nonnegative(),
});
export type HttpEventBatchResult = z.output<typeof httpEventBatchResult>;
