/** The periods the fleet view offers, ending where the API's default periods end. */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const PERIOD_DAYS = [1, 7, 14, 30] as const;
export const DEFAULT_PERIOD_DAYS = 7;

/** `days` before the start of the next UTC hour: requests within an hour name the same period (and share the API's cache entry). */
export function fleetPeriod(days: number, now = Date.now()): { from: string; to: string } {
  const to = Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS;
  return { from: new Date(to - days * DAY_MS).toISOString(), to: new Date(to).toISOString() };
}

/** The period a `?days=` parameter names, or the default for anything else. */
export function periodDays(parameter: string | null): number {
  const days = Number(parameter);
  return (PERIOD_DAYS as readonly number[]).includes(days) ? days : DEFAULT_PERIOD_DAYS;
}
