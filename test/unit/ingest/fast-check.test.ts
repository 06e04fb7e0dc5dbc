import { describe, expect, it } from 'vitest';
import { fastEvent } from '../../../lib/ingest/fast-check.js';
import { MAX_EVENT_DATA_BYTES, telematicsEvent } from '../../../lib/ingest/schema.js';
import { syntheticTrip } from '../../../lib/ingest/synthetic.js';

/**
 * The fast path must never disagree with the schema: whatever it accepts, the schema accepts and
 * returns the same value; everything else it leaves to the schema. Checked over realistic events
 * and over each field broken in the ways a device or a bug breaks it, boundaries included.
 */

const events = [0, 1, 2].flatMap((seed) => syntheticTrip({ driverId: 7, vehicleId: 9, startMs: Date.UTC(2026, 10, 3, 21, 30), seed }).events);
const base = events.find((e) => e.data !== undefined && e.trip_id)!;

/** A JSON round trip: what a Kafka record's value parses to. */
const wire = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;
const withField = (name: string, value: unknown): unknown => wire({ ...base, [name]: value });
const without = (name: string): unknown => {
  const copy: Record<string, unknown> = { ...base };
  delete copy[name];
  return wire(copy);
};

const variants: [string, unknown][] = [
  ...Object.keys(base).map((name): [string, unknown] => [`without ${name}`, without(name)]),
  ...['event_id', 'trip_id'].flatMap((name): [string, unknown][] => [
    [`${name} upper case`, withField(name, base.event_id.toUpperCase())],
    [`${name} nil uuid`, withField(name, '00000000-0000-0000-0000-000000000000')],
    [`${name} max uuid`, withField(name, 'ffffffff-ffff-ffff-ffff-ffffffffffff')],
    [`${name} version 0`, withField(name, '01a2368a-4100-0c3b-b026-1f391fcdf3c8')],
    [`${name} version 9`, withField(name, '01a2368a-4100-9c3b-b026-1f391fcdf3c8')],
    [`${name} variant c`, withField(name, '01a2368a-4100-7c3b-c026-1f391fcdf3c8')],
    [`${name} no dashes`, withField(name, '01a2368a41007c3bb0261f391fcdf3c8')],
    [`${name} with braces`, withField(name, '{01a2368a-4100-7c3b-b026-1f391fcdf3c8}')],
    [`${name} number`, withField(name, 42)],
    [`${name} null`, withField(name, null)],
    [`${name} empty`, withField(name, '')],
  ]),
  ...[
    '2026-11-03T21:30:00Z', '2026-11-03T21:30:00.123456789Z', '2026-11-03T21:30:00+01:00', '2026-11-03T21:30:00-23:59',
    '2026-11-03T21:30:00+24:00', '2026-11-03T21:30:00+0100', '2026-11-03T21:30Z', '2026-11-03 21:30:00Z', '2026-11-03T21:30:00',
    '2026-02-29T00:00:00Z', '2028-02-29T00:00:00Z', '2026-02-30T00:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z',
    '2026-11-03T24:00:00Z', '2026-11-03T23:60:00Z', '2026-11-03T23:59:60Z', '2026-11-03t21:30:00z', ' 2026-11-03T21:30:00Z', '',
  ].map((ts): [string, unknown] => [`ts ${ts}`, withField('ts', ts)]),
  ...['driver_id', 'vehicle_id'].flatMap((name): [string, unknown][] =>
    [0, -1, 1, 1.5, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, 1e300, '7', null, true].map((v): [string, unknown] => [`${name} ${String(v)}`, withField(name, v)]),
  ),
  ...['position', 'trip_start', 'trip_end', 'harsh_braking', 'harsh_acceleration', 'harsh_cornering', 'speeding', 'Position', 'crash', '', null, 3].map(
    (v): [string, unknown] => [`event_type ${String(v)}`, withField('event_type', v)],
  ),
  ...(
    [
      ['lat', -90, 90],
      ['lon', -180, 180],
      ['speed_kmh', 0, 400],
      ['acceleration_mps2', -30, 30],
      ['lateral_mps2', -30, 30],
      ['heading_deg', 0, 360],
    ] as const
  ).flatMap(([name, min, max]): [string, unknown][] =>
    [min, max, min - 1e-9, max + 1e-9, min - 1, max + 1, (min + max) / 2, -0, '12', null, true, 1e308].map((v): [string, unknown] => [
      `${name} ${String(v)}`,
      withField(name, v),
    ]),
  ),
  ['data empty', withField('data', {})],
  ['data nested', withField('data', { a: { b: [1, 'x', null] }, 'quote"': 'back\\slash' })],
  ['data array', withField('data', [1, 2])],
  ['data null', withField('data', null)],
  ['data string', withField('data', 'x')],
  ['data number', withField('data', 3)],
  ['data __proto__ key', JSON.parse(`{"event_id":"${base.event_id}","ts":"${base.ts}","driver_id":7,"vehicle_id":9,"event_type":"position","lat":1,"lon":2,"data":{"__proto__":{"x":1}}}`) as unknown],
  ['data at the size limit', withField('data', { pad: 'x'.repeat(MAX_EVENT_DATA_BYTES - '{"pad":""}'.length) })],
  ['data over the size limit', withField('data', { pad: 'x'.repeat(MAX_EVENT_DATA_BYTES - '{"pad":""}'.length + 1) })],
  ['unknown key', withField('driverId', 7)],
  ['__proto__ key', JSON.parse(`{"event_id":"${base.event_id}","ts":"${base.ts}","driver_id":7,"vehicle_id":9,"event_type":"position","lat":1,"lon":2,"__proto__":{}}`) as unknown],
  ['array', wire([base])],
  ['null', null],
  ['string', JSON.stringify(base)],
  ['number', 5],
  ['minimal', wire({ event_id: base.event_id, ts: base.ts, driver_id: 1, vehicle_id: 1, event_type: 'position', lat: 0, lon: 0 })],
];

describe('the ingest fast path', () => {
  it('accepts every realistic event, returning exactly what the schema returns', () => {
    expect(events.length).toBeGreaterThan(100);
    for (const event of events.map(wire)) {
      const schema = telematicsEvent.safeParse(event);
      expect(schema.success).toBe(true);
      expect(fastEvent(event)).toEqual(schema.data);
    }
  });

  it.each(variants)('never disagrees with the schema: %s', (_name, value) => {
    const fast = fastEvent(value);
    const schema = telematicsEvent.safeParse(value);
    if (fast !== undefined) {
      expect(schema.success).toBe(true);
      expect(fast).toEqual(schema.data);
    }
  });

  it('leaves to the schema every variant the schema refuses, and takes the common valid ones itself', () => {
    const refused = variants.filter(([, value]) => !telematicsEvent.safeParse(value).success);
    expect(refused.length).toBeGreaterThan(60);
    expect(refused.filter(([, value]) => fastEvent(value) !== undefined).map(([name]) => name)).toEqual([]);
    const accepted = variants.filter(([, value]) => fastEvent(value) !== undefined).map(([name]) => name);
    expect(accepted).toEqual(expect.arrayContaining(['minimal', 'data empty', 'data at the size limit', 'ts 2026-11-03T21:30:00+01:00', 'heading_deg 0', 'lat -90', 'lon 180']));
  });
});
