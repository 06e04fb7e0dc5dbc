import { timedQuery, type Sql } from '../db/index.js';

/**
 * SQL for drivers. `driverSql` holds each statement as a function of the client and typed
 * parameters returning a lazy query: the functions below run it, and the EXPLAIN test plans the
 * very same statement. Rows keep the database's snake_case names, which are also the API's.
 */

export interface DriverSummaryRow {
  id: number;
  license_number: string;
  name: string;
  email: string;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface VehicleSummary {
  id: number;
  vin: string;
  make: string;
  model: string;
  year: number;
}

export interface PolicySummary {
  id: number;
  policy_number: string;
  vehicle_id: number;
  base_premium: number;
  status: string;
  /** ISO dates (YYYY-MM-DD). */
  start_date: string;
  end_date: string;
}

export interface DriverDetailRow extends DriverSummaryRow {
  date_of_birth: Date;
  licensed_since: Date;
  vehicles: VehicleSummary[];
  policies: PolicySummary[];
}

export interface DriverStatisticsRow {
  trips: number;
  distance_km: number;
  duration_s: number;
  night_distance_km: number;
  avg_speed_kmh: number | null;
  max_speed_kmh: number | null;
  harsh_braking: number;
  harsh_acceleration: number;
  harsh_cornering: number;
  speeding: number;
  /** All four safety event kinds per 100 km driven; null before any distance. */
  safety_events_per_100km: number | null;
  first_trip_at: Date | null;
  last_trip_at: Date | null;
}

export type DriverSort = 'created_at' | 'name';

export interface DriverListParams {
  active?: boolean;
  /** Case-insensitive prefix of the name. */
  namePrefix?: string;
  sort: DriverSort;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface DriverStatisticsParams {
  driverId: number;
  from: Date;
  to: Date;
}

/** LIKE treats % and _ as wildcards; a user's prefix must match literally. */
function likePrefix(prefix: string): string {
  return `${prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function listFilter(sql: Sql, p: Pick<DriverListParams, 'active' | 'namePrefix'>) {
  return sql`
    ${p.active === undefined ? sql`` : sql`AND active = ${p.active}`}
    ${p.namePrefix ? sql`AND lower(name) LIKE ${likePrefix(p.namePrefix)}` : sql``}`;
}

function listOrder(sql: Sql, p: Pick<DriverListParams, 'sort' | 'order'>) {
  // Both keys end with id so pages are stable when names or timestamps tie.
  if (p.sort === 'name') return p.order === 'asc' ? sql`lower(name) ASC, id ASC` : sql`lower(name) DESC, id DESC`;
  return p.order === 'asc' ? sql`created_at ASC, id ASC` : sql`created_at DESC, id DESC`;
}

export const driverSql = {
  list: (sql: Sql, p: DriverListParams) => sql<DriverSummaryRow[]>`
    SELECT id, license_number, name, email, active, created_at, updated_at
    FROM drivers
    WHERE true ${listFilter(sql, p)}
    ORDER BY ${listOrder(sql, p)}
    LIMIT ${p.limit} OFFSET ${p.offset}`,

  count: (sql: Sql, p: Pick<DriverListParams, 'active' | 'namePrefix'>) => sql<{ total: number }[]>`
    SELECT count(*)::int AS total FROM drivers WHERE true ${listFilter(sql, p)}`,

  /** The driver with vehicles and policies in one round trip (correlated subqueries, no N+1). */
  detail: (sql: Sql, driverId: number) => sql<DriverDetailRow[]>`
    SELECT d.id, d.license_number, d.name, d.email, d.date_of_birth, d.licensed_since, d.active, d.created_at, d.updated_at,
      coalesce((SELECT json_agg(json_build_object('id', v.id, 'vin', v.vin, 'make', v.make, 'model', v.model, 'year', v.year) ORDER BY v.id)
                FROM vehicles v WHERE v.driver_id = d.id), '[]') AS vehicles,
      coalesce((SELECT json_agg(json_build_object('id', p.id, 'policy_number', p.policy_number, 'vehicle_id', p.vehicle_id,
                                                  'base_premium', p.base_premium, 'status', p.status,
                                                  'start_date', p.start_date, 'end_date', p.end_date) ORDER BY p.start_date DESC, p.id DESC)
                FROM policies p WHERE p.driver_id = d.id), '[]') AS policies
    FROM drivers d
    WHERE d.id = ${driverId}`,

  /** Driving totals over a period, from the trips' aggregates (never from raw events). */
  statistics: (sql: Sql, p: DriverStatisticsParams) => sql<DriverStatisticsRow[]>`
    SELECT count(*)::int AS trips,
           coalesce(sum(distance_km), 0) AS distance_km,
           coalesce(sum(duration_s), 0)::bigint AS duration_s,
           coalesce(sum(night_distance_km), 0) AS night_distance_km,
           CASE WHEN sum(duration_s) > 0 THEN sum(distance_km) / sum(duration_s) * 3600 END AS avg_speed_kmh,
           max(max_speed_kmh) AS max_speed_kmh,
           coalesce(sum(harsh_braking_count), 0)::int AS harsh_braking,
           coalesce(sum(harsh_acceleration_count), 0)::int AS harsh_acceleration,
           coalesce(sum(harsh_cornering_count), 0)::int AS harsh_cornering,
           coalesce(sum(speeding_count), 0)::int AS speeding,
           CASE WHEN sum(distance_km) > 0
                THEN sum(harsh_braking_count + harsh_acceleration_count + harsh_cornering_count + speeding_count) / sum(distance_km) * 100 END
             AS safety_events_per_100km,
           min(started_at) AS first_trip_at,
           max(started_at) AS last_trip_at
    FROM trips
    WHERE driver_id = ${p.driverId} AND started_at >= ${p.from} AND started_at < ${p.to}`,
};

/** One page of drivers and the total matching the filter. */
export function listDrivers(p: DriverListParams): Promise<{ items: DriverSummaryRow[]; total: number }> {
  return timedQuery('drivers.list', async (sql) => {
    const [items, [count]] = await Promise.all([driverSql.list(sql, p), driverSql.count(sql, p)]);
    return { items, total: count?.total ?? 0 };
  });
}

export function getDriver(driverId: number): Promise<DriverDetailRow | undefined> {
  return timedQuery('drivers.detail', async (sql) => (await driverSql.detail(sql, driverId))[0]);
}

export function getDriverStatistics(p: DriverStatisticsParams): Promise<DriverStatisticsRow> {
  return timedQuery('drivers.statistics', async (sql) => {
    const [row] = await driverSql.statistics(sql, p);
    // An aggregate without GROUP BY always returns one row.
    return row as DriverStatisticsRow;
  });
}
