import { z } from 'zod';
import { RISK_BAND_NAMES } from '../vocabulary/index.js';
import { offsetPageSchema, offsetPaginationQuery } from '../pagination/index.js';
import { dateParam, timestampParam } from '../validation/index.js';
import { wireDate, wireInstant } from '../validation/wire.js';

/**
 * The drivers API on the wire (snake_case, as the database names things). Requests are strict:
 * an unknown query parameter or body field is a 400 naming it, so a typo never silently widens a
 * query or drops an edit. These schemas validate requests and generate the API document.
 */

/** Printable text: control characters (NUL above all, which PostgreSQL cannot store) are refused. */
const printable = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    // eslint-disable-next-line no-control-regex -- matching control characters is the point
    .regex(/^[^\u0000-\u001f\u007f]*$/, { error: 'must not contain control characters' });


export const riskBand = z.enum(RISK_BAND_NAMES).describe('low [0, 40), medium [40, 70), high [70, 100] of the latest score');

export const driverListQuery = offsetPaginationQuery.extend({
  status: z.enum(['active', 'inactive', 'all']).default('active').describe('Deactivated drivers are `inactive`.'),
  risk_band: riskBand.optional(),
  name: printable(1, 100).optional().describe('Case-insensitive prefix of the name.'),
  sort: z.enum(['created_at', 'name', 'risk_score']).default('created_at'),
  order: z.enum(['asc', 'desc']).optional().describe('Default: ascending by name, descending otherwise.'),
}).strict();

export const statisticsQuery = z
  .strictObject({
    from: timestampParam().optional().describe('Trips started at or after this instant. Default: 30 days before `to`.'),
    to: timestampParam().optional().describe('Trips started before this instant. Default: the start of the next UTC hour.'),
  });

const licenseNumber = z.string().regex(/^[A-Z0-9-]{4,32}$/, { error: 'must be 4-32 upper-case letters, digits or dashes' });
const email = z.email({ error: 'must be an email address' }).max(254);

export const createDriverBody = z
  .strictObject({
    license_number: licenseNumber,
    name: printable(1, 200).refine((name) => name.trim().length > 0, { error: 'must not be blank' }),
    email,
    date_of_birth: dateParam(),
    licensed_since: dateParam(),
    login: z
      .strictObject({
        username: z.string().regex(/^[a-z0-9][a-z0-9_.-]{2,63}$/, { error: 'must be 3-64 lower-case letters, digits, _, . or -, starting with a letter or digit' }),
        password: z.string().min(10).max(256),
      })
      .optional()
      .describe('A driver login to create with the driver.'),
  })
  .refine((d) => d.date_of_birth >= '1900-01-01', { path: ['date_of_birth'], error: 'must be 1900-01-01 or later' })
  .refine((d) => d.licensed_since >= addYears(d.date_of_birth, 14), { path: ['licensed_since'], error: 'must be at least 14 years after date_of_birth' });

export const updateDriverBody = z
  .strictObject({
    license_number: licenseNumber.optional(),
    name: printable(1, 200).refine((name) => name.trim().length > 0, { error: 'must not be blank' }).optional(),
    email: email.optional(),
    active: z.boolean().optional().describe('false deactivates the driver (as DELETE does); true reactivates.'),
  })
  .refine((d) => Object.keys(d).length > 0, { error: 'must change at least one field' });

/** `YYYY-MM-DD` plus `years`, as text (dates compare as text in this format). */
function addYears(date: string, years: number): string {
  return `${String(Number(date.slice(0, 4)) + years).padStart(4, '0')}${date.slice(4)}`;
}

const instant = wireInstant;
const isoDate = wireDate;

const driverFields = {
  id: z.number().int().positive(),
  license_number: z.string(),
  name: z.string(),
  email: z.string(),
  active: z.boolean(),
  created_at: instant,
  updated_at: instant,
};

export const driverSummary = z
  .object({
    ...driverFields,
    risk_score: z.number().min(0).max(100).nullable().describe('The latest score; null before the first scoring.'),
    risk_band: riskBand.nullable(),
  })
  .meta({ id: 'DriverSummary' });

export const driverDetail = z
  .object({
    ...driverFields,
    date_of_birth: isoDate,
    licensed_since: isoDate,
    username: z.string().nullable().describe("The driver's login; null when none exists."),
    vehicles: z.array(z.object({ id: z.number().int(), vin: z.string(), make: z.string(), model: z.string(), year: z.number().int() })),
    policies: z.array(
      z.object({
        id: z.number().int(),
        policy_number: z.string(),
        vehicle_id: z.number().int(),
        base_premium: z.number(),
        status: z.enum(['pending', 'active', 'lapsed', 'cancelled', 'expired']),
        start_date: isoDate,
        end_date: isoDate,
      }),
    ),
  })
  .meta({ id: 'DriverDetail' });

export const driverPage = offsetPageSchema(driverSummary);

export const driverStatistics = z
  .object({
    driver_id: z.number().int().positive(),
    from: instant,
    to: instant,
    trips: z.number().int().min(0),
    distance_km: z.number().min(0),
    duration_s: z.number().int().min(0),
    night_distance_km: z.number().min(0),
    avg_speed_kmh: z.number().nullable(),
    max_speed_kmh: z.number().nullable(),
    harsh_braking: z.number().int().min(0),
    harsh_acceleration: z.number().int().min(0),
    harsh_cornering: z.number().int().min(0),
    speeding: z.number().int().min(0),
    safety_events_per_100km: z.number().nullable().describe('All four safety event kinds per 100 km; null before any distance.'),
    first_trip_at: instant.nullable(),
    last_trip_at: instant.nullable(),
  })
  .meta({ id: 'DriverStatistics' });

export type DriverListQuery = z.output<typeof driverListQuery>;
export type StatisticsQuery = z.output<typeof statisticsQuery>;
export type CreateDriverBody = z.output<typeof createDriverBody>;
export type UpdateDriverBody = z.output<typeof updateDriverBody>;
export type DriverSummary = z.output<typeof driverSummary>;
export type DriverDetail = z.output<typeof driverDetail>;
export type DriverPage = z.output<typeof driverPage>;
export type DriverStatistics = z.output<typeof driverStatistics>;
