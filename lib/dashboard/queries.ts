import { timedQuery, type Sql } from '../db/index.js';

/**
 * SQL for the admin dashboard. `dashboardSql` holds each statement as a function of the client
 * and typed parameters returning a lazy query, run by the functions below and planned as-is by the
 * EXPLAIN test. Fleet-wide figures come from trips' aggregates, not raw events, except the safety
 * breakdown, which reads only the small slice of events that are safety events.
 */

export interface DashboardSummaryRow {
  drivers_total: number;
  drivers_active: number;
  vehicles: number;
  policies_active: number;
  trips_active: number;
  /** Over the period [since, until). */
  trips: number;
  drivers_driving: number;
  distance_km: number;
  events: number;
  /** Mean of each driver's latest score; null before the first scoring run. */
  avg_risk_score: number | null;
  scored_drivers: number;
}

export interface DailyActivityRow {
  /** ISO date (UTC). */
  day: string;
  trips: number;
  drivers: number;
  distance_km: number;
  duration_s: number;
  night_distance_km: number;
}

export interface RiskBucketRow {
  /** Scores in [from_score, to_score); the last bucket includes 100. */
  from_score: number;
  to_score: number;
  drivers: number;
}

export interface SafetyEventsRow {
  event_type: 'harsh_braking' | 'harsh_acceleration' | 'harsh_cornering' | 'speeding';
  events: number;
  drivers: number;
}

/** Inclusive start and exclusive end, as ISO text (cast in SQL, never through a Date). */
export type { Period } from '../validation/period.js';
import type { Period } from '../validation/period.js';

/**
 * Each driver's latest score: one index probe per driver on risk_scores (driver_id, scored_at DESC),
 * which stays cheap however long the scoring history grows (DISTINCT ON would read all of it).
 */
const latestScores = (sql: Sql) => sql`
  SELECT s.score
  FROM drivers d
  CROSS JOIN LATERAL (
    SELECT score FROM risk_scores r WHERE r.driver_id = d.id ORDER BY r.scored_at DESC LIMIT 1
  ) s`;

export const dashboardSql = {
  summary: (sql: Sql, p: Period) => sql<DashboardSummaryRow[]>`
    SELECT
      (SELECT count(*) FROM drivers)::int AS drivers_total,
      (SELECT count(*) FROM drivers WHERE active)::int AS drivers_active,
      (SELECT count(*) FROM vehicles)::int AS vehicles,
      (SELECT count(*) FROM policies WHERE status = 'active')::int AS policies_active,
      (SELECT count(*) FROM trips WHERE ended_at IS NULL)::int AS trips_active,
      period.trips, period.drivers_driving, period.distance_km, period.events,
      scores.avg_risk_score, scores.scored_drivers
    FROM (
      SELECT count(*)::int AS trips, count(DISTINCT driver_id)::int AS drivers_driving,
             coalesce(sum(distance_km), 0) AS distance_km, coalesce(sum(event_count), 0)::bigint AS events
      FROM trips
      WHERE started_at >= ${p.from}::text::timestamptz AND started_at < ${p.to}::text::timestamptz
    ) period,
    (SELECT avg(score) AS avg_risk_score, count(*)::int AS scored_drivers FROM (${latestScores(sql)}) latest) scores`,

  /**
   * Trips per UTC day, every day of the period listed (empty days as zeros). Each day is one range
   * scan of trips_started_idx, so the cost follows the period, not the length of the history.
   */
  dailyActivity: (sql: Sql, p: Period) => sql<DailyActivityRow[]>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, a.trips, a.drivers, a.distance_km, a.duration_s, a.night_distance_km
    FROM generate_series(date_trunc('day', ${p.from}::text::timestamptz AT TIME ZONE 'UTC'),
                         ${p.to}::text::timestamptz AT TIME ZONE 'UTC' - interval '1 microsecond',
                         interval '1 day') AS day
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS trips,
             count(DISTINCT driver_id)::int AS drivers,
             coalesce(sum(distance_km), 0) AS distance_km,
             coalesce(sum(duration_s), 0)::bigint AS duration_s,
             coalesce(sum(night_distance_km), 0) AS night_distance_km
      FROM trips
      WHERE started_at >= greatest(day AT TIME ZONE 'UTC', ${p.from}::text::timestamptz)
        AND started_at < least((day + interval '1 day') AT TIME ZONE 'UTC', ${p.to}::text::timestamptz)
    ) a
    ORDER BY day`,

  /** Latest scores in ten buckets of ten points, empty buckets included. */
  riskDistribution: (sql: Sql) => sql<RiskBucketRow[]>`
    SELECT b.from_score, b.from_score + 10 AS to_score, count(latest.score)::int AS drivers
    FROM generate_series(0, 90, 10) AS b(from_score)
    LEFT JOIN (${latestScores(sql)}) latest ON least(floor(latest.score / 10) * 10, 90) = b.from_score
    GROUP BY b.from_score
    ORDER BY b.from_score`,

  /**
   * Safety events by type in a period. The type list is spelled out (not a parameter) so the planner
   * can match the partial index telematics_events_safety_idx, whose predicate is the same list.
   */
  safetyEvents: (sql: Sql, p: Period) => sql<SafetyEventsRow[]>`
    SELECT event_type, count(*)::int AS events, count(DISTINCT driver_id)::int AS drivers
    FROM telematics_events
    WHERE event_type IN ('harsh_braking', 'harsh_acceleration', 'harsh_cornering', 'speeding')
      AND ts >= ${p.from}::text::timestamptz AND ts < ${p.to}::text::timestamptz
    GROUP BY event_type
    ORDER BY event_type`,
};

export function getDashboardSummary(p: Period): Promise<DashboardSummaryRow> {
  return timedQuery('dashboard.summary', async (sql) => {
    const [row] = await dashboardSql.summary(sql, p);
    // Scalar subqueries over aggregates: always exactly one row.
    return row as DashboardSummaryRow;
  });
}

export function getDailyActivity(p: Period): Promise<DailyActivityRow[]> {
  return timedQuery('dashboard.daily_activity', (sql) => dashboardSql.dailyActivity(sql, p));
}

export function getRiskDistribution(): Promise<RiskBucketRow[]> {
  return timedQuery('dashboard.risk_distribution', (sql) => dashboardSql.riskDistribution(sql));
}

export function getSafetyEventsBreakdown(p: Period): Promise<SafetyEventsRow[]> {
  return timedQuery('dashboard.safety_events', (sql) => dashboardSql.safetyEvents(sql, p));
}
