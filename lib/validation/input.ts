import { z } from 'zod';
import { ValidationError, type FieldProblem } from '../errors/index.js';

/**
 * How parameters parsed from text look on the wire, for the API document: a query parameter parsed
 * from `"20"` to 20 is documented as an integer, not as the string it arrives as.
 */
export const wireSchemas = z.registry<Record<string, unknown>>();

/**
 * Turns zod results into the product's `ValidationError`: one problem per field, the field named
 * as the client sent it and prefixed with where it was (`query.page_size`, `body.events[3].speed_kmh`),
 * with a message a person can act on. Messages set on a schema win over the defaults here.
 */

type RawIssue = z.core.$ZodRawIssue;

function withArticle(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function sizeUnit(origin: string, count: number | bigint): string | undefined {
  const one = count === 1 || count === 1n;
  if (origin === 'string') return one ? 'character' : 'characters';
  if (origin === 'array' || origin === 'set') return one ? 'item' : 'items';
  return undefined;
}

function bound(value: number | bigint, origin: string): string {
  return origin === 'date' ? new Date(Number(value)).toISOString() : String(value);
}

/** Default messages, phrased to follow the field name: `query.limit: must be at most 100`. */
export function friendlyMessage(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'is required';
      return issue.expected === 'int' ? 'must be an integer' : `must be ${withArticle(issue.expected)}`;
    case 'too_small': {
      const unit = sizeUnit(issue.origin, issue.minimum);
      const min = bound(issue.minimum, issue.origin);
      if (unit) return issue.exact ? `must have exactly ${min} ${unit}` : `must have at least ${min} ${unit}`;
      return issue.inclusive === false ? `must be greater than ${min}` : `must be at least ${min}`;
    }
    case 'too_big': {
      const unit = sizeUnit(issue.origin, issue.maximum);
      const max = bound(issue.maximum, issue.origin);
      if (unit) return issue.exact ? `must have exactly ${max} ${unit}` : `must have at most ${max} ${unit}`;
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`;
    }
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${String(issue.values[0])}` : `must be one of: ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      if (issue.format === 'regex') return 'has an invalid format';
      if (issue.format === 'datetime') return 'must be an ISO 8601 date-time with a time zone';
      return `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return 'is not an accepted field';
    case 'invalid_union':
      return 'does not match any accepted form';
    default:
      return undefined;
  }
}

/** `body` + `['events', 3, 'speed']` -> `body.events[3].speed`. */
export function fieldName(location: string, path: readonly PropertyKey[]): string {
  let name = location;
  for (const segment of path) {
    name += typeof segment === 'number' ? `[${segment}]` : `${name ? '.' : ''}${String(segment)}`;
  }
  return name;
}

export function fieldProblems(error: z.ZodError, location: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ field: fieldName(location, [...issue.path, key]), message: issue.message });
    } else {
      problems.push({ field: fieldName(location, issue.path), message: issue.message });
    }
  }
  return problems;
}

const MAX_PROBLEMS_IN_MESSAGE = 5;

/** A `ValidationError` whose message lists the problems: `query.page_size: must be at most 100`. */
export function validationError(problems: FieldProblem[]): ValidationError {
  const listed = problems.slice(0, MAX_PROBLEMS_IN_MESSAGE).map((p) => `${p.field}: ${p.message}`);
  if (problems.length > MAX_PROBLEMS_IN_MESSAGE) listed.push(`and ${problems.length - MAX_PROBLEMS_IN_MESSAGE} more`);
  return new ValidationError(listed.join('; ') || 'invalid input', problems);
}

export type InputCheck<T> = { ok: true; data: T } | { ok: false; problems: FieldProblem[] };

/** Parses `input` with `schema`, returning the data or the problems named under `location`. */
export function checkInput<S extends z.ZodType>(schema: S, input: unknown, location: string): InputCheck<z.output<S>> {
  const result = schema.safeParse(input, { error: friendlyMessage });
  return result.success ? { ok: true, data: result.data } : { ok: false, problems: fieldProblems(result.error, location) };
}

/** Parses `input` with `schema`, throwing a `ValidationError` that names each bad field under `location`. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, location: string): z.output<S> {
  const checked = checkInput(schema, input, location);
  if (checked.ok) return checked.data;
  throw validationError(checked.problems);
}

/**
 * A query or path parameter holding an integer in [min, max]. Parameters arrive as strings; unlike
 * `z.coerce.number()`, a missing value reads "is required" and `""` or `"1e3"` are refused.
 * Chain `.default(n)` or `.optional()` as needed.
 */
export function intParam(min: number, max: number, message = `must be an integer between ${min} and ${max}`) {
  const schema = z
    .string()
    .trim()
    .regex(/^[+-]?\d{1,16}$/, { error: message })
    .transform(Number)
    .pipe(z.number().min(min, { error: message }).max(max, { error: message }));
  // On the wire it is a decimal integer; the document says so rather than describing the string parsing.
  wireSchemas.add(schema, { type: 'integer', minimum: min, maximum: max });
  return schema;
}

/** A query parameter `true` or `false`. */
export function booleanParam() {
  const schema = z.enum(['true', 'false'], { error: 'must be true or false' }).transform((value) => value === 'true');
  wireSchemas.add(schema, { type: 'boolean' });
  return schema;
}

/**
 * An ISO 8601 date-time with a time zone (`2030-01-31T12:00:00Z`, `...+02:00`, fractions allowed).
 * Impossible dates such as 1990-02-30 are refused here, and the value stays the exact text the client
 * sent: queries cast it in SQL (`${value}::text::timestamptz`), never through a JavaScript Date,
 * which would roll the date over and drop microseconds.
 */
export function timestampParam() {
  return z.iso
    .datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone, e.g. 2030-01-31T12:00:00Z' })
    .refine(notYearZero, { error: YEAR_ZERO_MESSAGE });
}

/** ISO 8601 has a year 0000; PostgreSQL refuses it (out of range), so it is refused here, naming the parameter. */
const notYearZero = (value: string): boolean => !value.startsWith('0000');
const YEAR_ZERO_MESSAGE = 'must be in year 0001 or later';

/** An ISO 8601 calendar date (`2030-01-31`); impossible dates are refused. Passed to SQL as text. */
export function dateParam() {
  return z.iso.date({ error: 'must be a date as YYYY-MM-DD' }).refine(notYearZero, { error: YEAR_ZERO_MESSAGE });
}

/** A path or query parameter holding a database id (a positive integer). */
export function idParam() {
  return intParam(1, Number.MAX_SAFE_INTEGER, 'must be a positive integer id');
}
