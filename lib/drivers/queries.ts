import { timedQuery, withTransaction, type Sql, type TransactionSql } from '../db/index.js';

/**
 * SQL for drivers. `driverSql` holds each statement as a function of the client and typed
 * parameters returning a lazy query: the functions below run it, and the EXPLAIN test plans the
 * very same statement. Rows keep the database's snake_case names, which are also the API's.
 */

interface DriverRow {
  id: number;
  license_number: string;
  name: string;
  email: string;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface DriverSummaryRow extends DriverRow {
  /** The latest risk score; null before the driver's first scoring. */
  risk_score: number | null;
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

export interface DriverDetailRow extends DriverRow {
  /** ISO dates (YYYY-MM-DD). */
  date_of_birth: string;
  licensed_since: string;
  /** The driver's login, if one exists. */
  username: string | null;
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

export type DriverSort = 'created_at' | 'name' | 'risk_score';

export interface DriverListParams {
  active?: boolean;
  /** Case-insensitive prefix of the name. */
  namePrefix?: string;
  /** Only drivers whose latest score is in [from, to) (`to` inclusive when `toInclusive`). */
  score?: { from: number; to: number; toInclusive: boolean };
  sort: DriverSort;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface DriverStatisticsParams {
  driverId: number;
  /** Inclusive start and exclusive end, as ISO text (cast in SQL, never through a Date). */
  from: string;
  to: string;
}

export interface NewDriver {
  license_number: string;
  name: string;
  email: string;
  date_of_birth: string;
  licensed_since: string;
}

/** Fields an admin may change; absent ones keep their value. */
export type DriverChanges = Partial<Pick<NewDriver, 'license_number' | 'name' | 'email'>> & { active?: boolean };

export interface NewLogin {
  username: string;
  passwordHash: string;
}

/** LIKE treats % and _ as wildcards; a user's prefix must match literally. */
function likePrefix(prefix: string): string {
  return `${prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

type ListFilter = Pick<DriverListParams, 'active' | 'namePrefix' | 'score'>;

/**
 * Each driver's latest score: one probe of risk_scores_driver_scored_idx per driver (an index-only
 * read, the score is included), however long the scoring history grows.
 */
const latestScore = (sql: Sql) => sql`
  LEFT JOIN LATERAL (
    SELECT r.score FROM risk_scores r WHERE r.driver_id = d.id ORDER BY r.scored_at DESC, r.id DESC LIMIT 1
  ) latest ON true`;

function listFilter(sql: Sql, p: ListFilter) {
  const score = p.score;
  return sql`
    ${p.active === undefined ? sql`` : sql`AND d.active = ${p.active}`}
    ${p.namePrefix ? sql`AND lower(d.name) LIKE ${likePrefix(p.namePrefix)}` : sql``}
    ${score ? sql`AND latest.score >= ${score.from} AND ${score.toInclusive ? sql`latest.score <= ${score.to}` : sql`latest.score < ${score.to}`}` : sql``}`;
}

function listOrder(sql: Sql, p: Pick<DriverListParams, 'sort' | 'order'>) {
  // Every key ends with id so pages are stable when names, timestamps or scores tie.
  const direction = p.order === 'asc' ? sql`ASC` : sql`DESC`;
  if (p.sort === 'name') return sql`lower(d.name) ${direction}, d.id ${direction}`;
  // Unscored drivers last in either direction: a list sorted by risk is read for its scores.
  if (p.sort === 'risk_score') return sql`latest.score ${direction} NULLS LAST, d.id ${direction}`;
  return sql`d.created_at ${direction}, d.id ${direction}`;
}

const DETAIL_COLUMNS = (sql: Sql) => sql`
  d.id, d.license_number, d.name, d.email, d.date_of_birth::text AS date_of_birth, d.licensed_since::text AS licensed_since,
  d.active, d.created_at, d.updated_at,
  (SELECT u.username FROM users u WHERE u.driver_id = d.id) AS username,
  coalesce((SELECT json_agg(json_build_object('id', v.id, 'vin', v.vin, 'make', v.make, 'model', v.model, 'year', v.year) ORDER BY v.id)
            FROM vehicles v WHERE v.driver_id = d.id), '[]') AS vehicles,
  coalesce((SELECT json_agg(json_build_object('id', p.id, 'policy_number', p.policy_number, 'vehicle_id', p.vehicle_id,
                                              'base_premium', p.base_premium, 'status', p.status,
                                              'start_date', p.start_date, 'end_date', p.end_date) ORDER BY p.start_date DESC, p.id DESC)
            FROM policies p WHERE p.driver_id = d.id), '[]') AS policies`;

export const driverSql = {
  list: (sql: Sql, p: DriverListParams) => sql<DriverSummaryRow[]>`
    SELECT d.id, d.license_number, d.name, d.email, d.active, d.created_at, d.updated_at, latest.score AS risk_score
    FROM drivers d ${latestScore(sql)}
    WHERE true ${listFilter(sql, p)}
    ORDER BY ${listOrder(sql, p)}
    LIMIT ${p.limit} OFFSET ${p.offset}`,

  /** The scores are joined only when a band filters on them. */
  count: (sql: Sql, p: ListFilter) => sql<{ total: number }[]>`
    SELECT count(*)::int AS total FROM drivers d ${p.score ? latestScore(sql) : sql``} WHERE true ${listFilter(sql, p)}`,

  /** The driver with login, vehicles and policies in one round trip (correlated subqueries, no N+1). */
  detail: (sql: Sql, driverId: number) => sql<DriverDetailRow[]>`
    SELECT ${DETAIL_COLUMNS(sql)}
    FROM drivers d
    WHERE d.id = ${driverId}`,

  insert: (sql: Sql | TransactionSql, d: NewDriver) => sql<{ id: number }[]>`
    INSERT INTO drivers (license_number, name, email, date_of_birth, licensed_since)
    VALUES (${d.license_number}, ${d.name}, ${d.email}, ${d.date_of_birth}::text::date, ${d.licensed_since}::text::date)
    RETURNING id`,

  insertLogin: (sql: Sql | TransactionSql, driverId: number, login: NewLogin) => sql`
    INSERT INTO users (username, password_hash, role, driver_id) VALUES (${login.username}, ${login.passwordHash}, 'driver', ${driverId})`,

  /** Changes the given fields; the driver's login follows `active`. Returns the driver's login ids (to outdate their sessions). */
  update: (sql: Sql, driverId: number, c: DriverChanges) => sql<{ id: number; user_ids: number[] }[]>`
    WITH changed AS (
      UPDATE drivers SET
        license_number = coalesce(${c.license_number ?? null}::text, license_number),
        name = coalesce(${c.name ?? null}::text, name),
        email = coalesce(${c.email ?? null}::text, email),
        active = coalesce(${c.active ?? null}::boolean, active),
        updated_at = now()
      WHERE id = ${driverId}
      RETURNING id, active
    ), logins AS (
      UPDATE users u SET active = changed.active, updated_at = now()
      FROM changed
      WHERE u.driver_id = changed.id AND ${c.active ?? null}::boolean IS NOT NULL
      RETURNING u.id
    )
    SELECT changed.id, coalesce((SELECT array_agg(logins.id) FROM logins), '{}') AS user_ids FROM changed`,

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
    WHERE driver_id = ${p.driverId} AND started_at >= ${p.from}::text::timestamptz AND started_at < ${p.to}::text::timestamptz`,
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

/** Creates a driver and, when given, its login, in one transaction; returns the new id. */
export function insertDriver(driver: NewDriver, login: NewLogin | undefined): Promise<number> {
  return withTransaction(async (tx) => {
    const [row] = await driverSql.insert(tx, driver);
    if (!row) throw new Error('INSERT ... RETURNING returned no row');
    if (login) await driverSql.insertLogin(tx, row.id, login);
    return row.id;
  }, 'drivers.insert');
}

/** Applies `changes`; undefined when the driver does not exist. */
export function updateDriver(driverId: number, changes: DriverChanges): Promise<{ id: number; user_ids: number[] } | undefined> {
  return timedQuery('drivers.update', async (sql) => (await driverSql.update(sql, driverId, changes))[0]);
}

export function getDriverStatistics(p: DriverStatisticsParams): Promise<DriverStatisticsRow> {
  return timedQuery('drivers.statistics', async (sql) => {
    const [row] = await driverSql.statistics(sql, p);
    // An aggregate without GROUP BY always returns one row.
    return row as DriverStatisticsRow;
  });
}
