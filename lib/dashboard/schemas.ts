import { z } from 'zod';
import { dateParam, intParam, timestampParam } from '../validation/index.js';
import { wireDate, wireInstant } from '../validation/wire.js';
import { RISK_BAND_NAMES, SAFETY_EVENT_TYPES } from '../vocabulary/index.js';

/** The admin dashboard API on the wire. */

export const periodQuery = (defaultDescription: string) =>
  z.strictObject({
    from: timestampParam().optional().describe(`Start of the period (inclusive). ${defaultDescription}`),
    to: timestampParam().optional().describe('End of the period (exclusive), after `from`. Default: the start of the next UTC hour.'),
  });

export const summaryQuery = periodQuery('Default: 24 hours before `to`.');
export const safetyEventsQuery = periodQuery('Default: 7 days before `to`.');

/** Per-day figures: a number of whole UTC days ending at `to`, bounded so the chart stays a chart. */
export const tripActivityQuery = z.strictObject({
  days: intParam(1, 366).default(30).describe('How many UTC days, ending the day before `to`.'),
  to: dateParam().optional().describe('The day after the last day shown (exclusive). Default: tomorrow (UTC), so today is the last day.'),
});

const period = { from: wireInstant, to: wireInstant };
const count = z.number().int().min(0);

export const dashboardSummary = z
  .object({
    ...period,
    drivers_total: count,
    drivers_active: count,
    vehicles: count,
    policies_active: count,
    trips_active: count.describe('Trips being driven now'),
    trips: count.describe('Trips started in the period'),
    drivers_driving: count.describe('Drivers with a trip started in the period'),
    distance_km: z.number().min(0),
    events: count.describe('Events of the trips started in the period'),
    avg_risk_score: z.number().nullable().describe("Mean of every driver's latest score; null before the first scoring"),
    scored_drivers: count,
  })
  .meta({ id: 'DashboardSummary' });

export const tripActivity = z
  .object({
    ...period,
    days: z.array(
      z.object({
        day: wireDate,
        trips: count,
        drivers: count,
        distance_km: z.number().min(0),
        duration_s: count,
        night_distance_km: z.number().min(0),
      }),
    ),
  })
  .meta({ id: 'TripActivity' });

export const riskDistribution = z
  .object({
    scored_drivers: count,
    buckets: z
      .array(z.object({ from_score: z.number(), to_score: z.number(), drivers: count }))
      .describe('Ten buckets of ten points of the latest scores, [from, to); the last includes 100'),
    bands: z.array(z.object({ band: z.enum(RISK_BAND_NAMES), drivers: count })),
  })
  .meta({ id: 'RiskDistribution' });

export const safetyEvents = z
  .object({
    ...period,
    events: count,
    types: z.array(z.object({ event_type: z.enum(SAFETY_EVENT_TYPES), events: count, drivers: count })).describe('Every safety event type, zeros included'),
  })
  .meta({ id: 'SafetyEvents' });

export type PeriodQuery = z.output<ReturnType<typeof periodQuery>>;
export type TripActivityQuery = z.output<typeof tripActivityQuery>;
export type DashboardSummary = z.output<typeof dashboardSummary>;
export type TripActivity = z.output<typeof tripActivity>;
export type RiskDistribution = z.output<typeof riskDistribution>;
export type SafetyEvents = z.output<typeof safetyEvents>;
