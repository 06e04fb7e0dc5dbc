/**
 * How the console writes figures: one place, the same in every view and in the browser test (which
 * compares the page's text with these functions applied to the figures it reads from the database).
 * Fixed locale, so the page reads the same on every machine.
 */

const LOCALE = 'en-US';
const integer = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const money = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** `12,345` */
export function formatCount(value: number): string {
  return integer.format(value);
}

/** `1,234.5 km` */
export function formatKm(value: number): string {
  return `${oneDecimal.format(value)} km`;
}

/** `42.0`, or `–` before the first scoring */
export function formatScore(value: number | null): string {
  return value === null ? '–' : oneDecimal.format(value);
}

/** `97.30` */
export function formatMoney(value: number): string {
  return money.format(value);
}

/** `x1.0450` for a premium factor */
export function formatFactor(value: number): string {
  return `x${value.toFixed(4)}`;
}

/** `1 h 05 min`, `12 min`, `45 s` */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** `2026-12-03 11:05 UTC`: instants in UTC, as the API's days are UTC days. */
export function formatInstant(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `harsh_braking` -> `harsh braking` */
export function formatName(name: string): string {
  return name.replaceAll('_', ' ');
}
