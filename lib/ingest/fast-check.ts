import { EVENT_TYPES } from '../vocabulary/index.js';
import { MAX_EVENT_DATA_BYTES, telematicsEvent, type TelematicsEvent } from './schema.js';

/**
 * A fast path in front of the zod schema for the one shape nearly every Kafka record has: a
 * complete, valid event. Parsing every record with zod was most of the handler's JavaScript time.
 *
 * It only ever says "valid, and here is what zod would return" or "ask zod": anything it is not
 * sure of (an unknown key, a wrong type, a value out of range, a nil uuid, `__proto__` in data)
 * goes to the schema, which gives the verdict and names the problem. So it accepts a subset of what
 * the schema accepts, returning the same value (test/unit/ingest/fast-check.test.ts checks both
 * over valid and broken events). The uuid and timestamp patterns are the schema's own regexes.
 */

const shape = telematicsEvent.shape;
/** The schema's own pattern of a string field, resolved once at load. */
function patternOf(field: string, pattern: RegExp | undefined): RegExp {
  if (!pattern) throw new Error(`the event schema's ${field} has no pattern for the fast path to reuse`);
  return pattern;
}
const UUID = patternOf('event_id', shape.event_id._zod.def.pattern);
const DATETIME = patternOf('ts', shape.ts._zod.def.pattern);
const KNOWN_KEYS = new Set(Object.keys(shape));
const TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);

const isUuid = (value: unknown): boolean => typeof value === 'string' && UUID.test(value);
const within = (value: unknown, min: number, max: number): boolean => typeof value === 'number' && value >= min && value <= max;
/** Absent or null, or a number in [min, max]. */
const optionalWithin = (value: unknown, min: number, max: number): boolean => value === undefined || value === null || within(value, min, max);
const positiveSafeInteger = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) > 0;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function acceptableData(data: unknown): boolean {
  if (data === undefined) return true;
  return isPlainObject(data) && !Object.hasOwn(data, '__proto__') && JSON.stringify(data).length <= MAX_EVENT_DATA_BYTES;
}

/** The event as the schema would return it, or undefined when the schema must decide. */
export function fastEvent(value: unknown): TelematicsEvent | undefined {
  if (!isPlainObject(value)) return undefined;
  for (const key in value) if (!KNOWN_KEYS.has(key)) return undefined;
  const v = value;
  const ok =
    isUuid(v.event_id) &&
    typeof v.ts === 'string' && DATETIME.test(v.ts) &&
    positiveSafeInteger(v.driver_id) &&
    positiveSafeInteger(v.vehicle_id) &&
    (v.trip_id === undefined || v.trip_id === null || isUuid(v.trip_id)) &&
    typeof v.event_type === 'string' && TYPES.has(v.event_type) &&
    within(v.lat, -90, 90) &&
    within(v.lon, -180, 180) &&
    optionalWithin(v.speed_kmh, 0, 400) &&
    optionalWithin(v.acceleration_mps2, -30, 30) &&
    optionalWithin(v.lateral_mps2, -30, 30) &&
    (optionalWithin(v.heading_deg, 0, 360) && v.heading_deg !== 360) &&
    acceptableData(v.data);
  return ok ? (value as TelematicsEvent) : undefined;
}
