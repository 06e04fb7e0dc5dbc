import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from '../../../lib/errors/index.js';
import { checkInput, fieldName, idParam, intParam, parseInput } from '../../../lib/validation/index.js';

function problems(schema: z.ZodType, input: unknown, location = 'body') {
  const checked = checkInput(schema, input, location);
  return checked.ok ? [] : checked.problems;
}

describe('fieldName', () => {
  it('joins object keys with dots and array indexes with brackets', () => {
    expect(fieldName('body', ['events', 3, 'speed_kmh'])).toBe('body.events[3].speed_kmh');
    expect(fieldName('query', [])).toBe('query');
  });
});

describe('field problems', () => {
  it('says a missing field is required', () => {
    expect(problems(z.object({ name: z.string() }), {})).toEqual([{ field: 'body.name', message: 'is required' }]);
  });

  it('names the expected type', () => {
    expect(problems(z.object({ n: z.number(), o: z.object({}) }), { n: 'x', o: 1 })).toEqual([
      { field: 'body.n', message: 'must be a number' },
      { field: 'body.o', message: 'must be an object' },
    ]);
  });

  it('states number bounds and string and array sizes', () => {
    const schema = z.object({ n: z.number().min(1).max(5), p: z.number().positive(), s: z.string().min(3), a: z.array(z.number()).max(1) });

    expect(problems(schema, { n: 9, p: 0, s: 'ab', a: [1, 2] }).map((p) => p.message)).toEqual([
      'must be at most 5',
      'must be greater than 0',
      'must have at least 3 characters',
      'must have at most 1 item',
    ]);
  });

  it('lists the allowed values of an enum', () => {
    expect(problems(z.object({ role: z.enum(['driver', 'admin']) }), { role: 'root' })).toEqual([{ field: 'body.role', message: 'must be one of: driver, admin' }]);
  });

  it('reports each unknown field of a strict object by its own name', () => {
    expect(problems(z.strictObject({ a: z.number() }), { a: 1, b: 2, c: 3 })).toEqual([
      { field: 'body.b', message: 'is not an accepted field' },
      { field: 'body.c', message: 'is not an accepted field' },
    ]);
  });

  it('keeps messages written on the schema', () => {
    expect(problems(z.object({ vin: z.string().length(17, { error: 'must be a 17-character VIN' }) }), { vin: 'x' })).toEqual([
      { field: 'body.vin', message: 'must be a 17-character VIN' },
    ]);
  });
});

describe('parseInput', () => {
  it('returns the parsed data', () => {
    expect(parseInput(z.object({ a: z.string() }), { a: 'x' }, 'body')).toEqual({ a: 'x' });
  });

  it('throws a ValidationError listing the problems in its message', () => {
    const attempt = () => parseInput(z.object({ a: z.string(), b: z.number() }), {}, 'body');

    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow('body.a: is required; body.b: is required');
  });

  it('summarises beyond five problems', () => {
    const schema = z.object(Object.fromEntries(Array.from({ length: 7 }, (_, i) => [`f${i}`, z.string()])));

    expect(() => parseInput(schema, {}, 'body')).toThrow(/; and 2 more$/);
  });
});

describe('intParam and idParam', () => {
  const schema = z.object({ n: intParam(1, 100).default(20), id: idParam().optional() });

  it('parses integers from strings, trimming spaces, and applies the default', () => {
    expect(parseInput(schema, { n: ' 7 ' }, 'query')).toEqual({ n: 7 });
    expect(parseInput(schema, {}, 'query')).toEqual({ n: 20 });
    expect(parseInput(schema, { id: '12' }, 'query')).toEqual({ n: 20, id: 12 });
  });

  it('refuses empty, fractional, exponent and out-of-range values with one message', () => {
    for (const n of ['', '1.5', '1e2', '0', '101', 'ten']) {
      expect(problems(schema, { n }, 'query')).toEqual([{ field: 'query.n', message: 'must be an integer between 1 and 100' }]);
    }
  });

  it('refuses ids that are not positive safe integers', () => {
    for (const id of ['0', '-3', '99999999999999999', 'abc']) {
      expect(problems(schema, { id }, 'path')).toEqual([{ field: 'path.id', message: 'must be a positive integer id' }]);
    }
  });
});
