/**
 * UTC calendar months of the monthly partitions of telematics_events. A month is named
 * `YYYY-MM` (what `npm run partitions -- restore 2025-01` takes) and its partition
 * `telematics_events_YYYY_MM` (what migrations/001 ensure_event_partitions creates).
 */

export type Month = string;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const PARTITION = /^telematics_events_(\d{4})_(0[1-9]|1[0-2])$/;

export function isMonth(value: string): value is Month {
  return MONTH.test(value);
}

/** The month a moment falls in (UTC). */
export function monthOf(at: Date): Month {
  return at.toISOString().slice(0, 7);
}

/** The first instant of a month, UTC. */
export function monthStart(month: Month): Date {
  const match = MONTH.exec(month);
  if (!match) throw new RangeError(`expected a month as YYYY-MM, got "${month}"`);
  return new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1));
}

export function addMonths(month: Month, count: number): Month {
  const start = monthStart(month);
  return monthOf(new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + count, 1)));
}

/** The exclusive upper bound of a month: the first instant of the next one. */
export function monthEnd(month: Month): Date {
  return monthStart(addMonths(month, 1));
}

export function partitionName(month: Month): string {
  return `telematics_events_${month.replace('-', '_')}`;
}

/** The month of a monthly partition's name, or undefined for any other table (the default partition). */
export function monthOfPartition(name: string): Month | undefined {
  const match = PARTITION.exec(name);
  return match ? `${match[1]}-${match[2]}` : undefined;
}

/** Months from `from` through `to`, both included. */
export function monthRange(from: Month, to: Month): Month[] {
  const months: Month[] = [];
  for (let month = from; month <= to; month = addMonths(month, 1)) months.push(month);
  return months;
}

export interface MaintenanceWindow {
  /** Months that must have a partition: the current one and `monthsAhead` after it. */
  premake: Month[];
  /** Months before this one are past retention: their partitions are archived and dropped. */
  firstRetained: Month;
}

/**
 * What a run at `now` keeps: partitions from the current month through `monthsAhead` months ahead,
 * and every month that ends within the last `retentionMonths` whole months. With retention 12 on
 * 2027-03-01 the first retained month is 2026-03; 2026-02 and older are expired.
 */
export function maintenanceWindow(now: Date, monthsAhead: number, retentionMonths: number): MaintenanceWindow {
  const current = monthOf(now);
  return { premake: monthRange(current, addMonths(current, monthsAhead)), firstRetained: addMonths(current, -retentionMonths) };
}
