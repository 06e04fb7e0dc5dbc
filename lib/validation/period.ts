import { validationError } from './input.js';

/** A period as SQL receives it: ISO text, inclusive start and exclusive end. */
export interface Period {
  from: string;
  to: string;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * The period a request asks for, with defaults: `to` is the start of the next UTC hour (so repeated
 * requests within an hour name the same period and share a cache entry), `from` is `defaultDays`
 * before `to`. Explicit bounds are kept as the client's exact text. Refuses `from` not before `to`,
 * naming the parameter. Periods are not capped: every query over one reads an index range and is
 * bounded by a LIMIT or by the data itself.
 */
export function resolvePeriod(
  query: { from?: string | undefined; to?: string | undefined },
  options: { defaultDays: number; now?: number },
): Period {
  const now = options.now ?? Date.now();
  const to = query.to ?? new Date(Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS).toISOString();
  const toMs = Date.parse(to);
  const from = query.from ?? new Date(toMs - options.defaultDays * DAY_MS).toISOString();
  const fromMs = Date.parse(from);
  if (!(fromMs < toMs)) throw validationError([{ field: query.from ? 'query.from' : 'query.to', message: 'must be before query.to' }]);
  return { from, to };
}
