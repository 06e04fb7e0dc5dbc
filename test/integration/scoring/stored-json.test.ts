import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../../lib/db/index.js';
import { asStoredJson } from '../../../lib/scoring/stored-json.js';
import { testSql } from '../../helpers/db.js';

/**
 * The scoring run warms the caches with the JSON it wrote instead of reading it back
 * (lib/scoring/stored-json.ts): that JSON must serialise exactly as the same value read from a
 * jsonb column of the real PostgreSQL does, key order included.
 */

let sql: Sql;
beforeAll(() => {
  sql = testSql();
});
afterAll(async () => {
  await sql.end({ timeout: 5 });
});

const readBack = async (value: unknown): Promise<unknown> => {
  const [row] = await sql<{ v: unknown }[]>`SELECT ${JSON.stringify(value)}::text::jsonb AS v`;
  return row?.v;
};

describe('asStoredJson', () => {
  it.each([
    ['a score row of features', { trips: 31, km_per_day: 6.722222, avg_trip_km: 19.516129, harsh_braking_per_100km: 9.917355, probability: 0.71421, window_days: 90, max_speed_kmh: 95 }],
    ['reasons, an array of objects', [{ feature: 'km_per_day', value: 56.7849, contribution: 1.2727, description: 'Distance driven per day (km)' }]],
    ['nested objects, as a premium breakdown', { formula: 'f', distance_km: 3410.817, risk_factor: { max: 1.3, min: 0.7, score: 12.62, value: 0.7757, formula: 'g' }, window_days: 90 }],
    ['keys of equal length in byte order, upper case first', { b: 1, a: 2, B: 3, ab: 4, Aa: 5, aa: 6 }],
    ['keys outside ASCII, ordered by their UTF-8 bytes', { 'é': 1, z: 2, zz: 3, 'ée': 4, 'ａ': 5 }],
    ['small, negative and whole numbers, strings with escapes', { x: 0.000001, y: -0.5, z: 1e6, s: 'tab\there "quoted" \\ é', n: null, t: true }],
  ])('serialises %s as PostgreSQL returns it from jsonb', async (_name, value) => {
    const stored = asStoredJson(value);
    expect(JSON.stringify(stored)).toBe(JSON.stringify(await readBack(value)));
    // Only the order changes: the same value, and the input is left as it was.
    expect(stored).toEqual(value);
  });

  it('drops undefined members as JSON does, and leaves scalars and empty containers alone', () => {
    expect(asStoredJson({ b: 1, a: undefined })).toStrictEqual({ b: 1 });
    expect(asStoredJson([])).toEqual([]);
    expect(asStoredJson({})).toEqual({});
    expect(asStoredJson(3.5)).toBe(3.5);
    expect(asStoredJson(null)).toBeNull();
  });
});
