import { timedQuery, type Sql } from '../db/index.js';
import type { Features } from './features.js';

/**
 * SQL of the scoring run. `scoringSql` holds each statement as a function of the client and typed
 * parameters returning a lazy query; the functions below run them by name.
 */

export interface FeatureWindow {
  /** Exclusive end of the window, ISO text (sent as text: a Date parameter would drop microseconds). */
  end: string;
  days: number;
  /** Only these drivers; every active driver when absent. */
  driverIds?: readonly number[] | undefined;
}

/** One active driver's features over the window, with what pricing and change detection need. */
export interface DriverFeatureRow extends Features {
  driver_id: number;
  trips: number;
  distance_km: number;
  /** The driver's primary active policy (lowest id), which the premium prices; null without one. */
  policy_id: number | null;
  base_premium: number | null;
  /** The driver's latest stored score and premium before this run, to tell which ones change. */
  previous_score: number | null;
  previous_final_amount: number | null;
}

/** One driver's result as written: the score with its reasons, and the premium when the driver has a policy. */
export interface ScoreWrite {
  driver_id: number;
  score: number;
  features: Record<string, number>;
  reasons: unknown[];
  premium: {
    policy_id: number;
    base_amount: number;
    risk_factor: number;
    usage_factor: number;
    final_amount: number;
    details: Record<string, unknown>;
  } | null;
}

export interface ScoreWriteParams {
  rows: readonly ScoreWrite[];
  modelVersion: string;
  /** The run's hour (ISO text): with the driver, the idempotency key of both tables. */
  run: string;
}

export const scoringSql = {
  /**
   * Every feature of every active driver with a finished trip in the window, in one pass over the
   * window's trips (grouped by driver), then one index probe per driver for its policy and latest
   * score and premium. Per-100-km rates divide by at least 1 km so a few metres of driving cannot
   * produce an absurd rate.
   */
  features: (sql: Sql, w: FeatureWindow) => sql<DriverFeatureRow[]>`
    WITH totals AS (
      SELECT t.driver_id,
             count(*)::int              AS trips,
             sum(t.distance_km)         AS distance_km,
             sum(t.duration_s)          AS duration_s,
             sum(t.night_distance_km)   AS night_km,
             sum(t.harsh_braking_count) AS braking,
             sum(t.harsh_acceleration_count) AS acceleration,
             sum(t.harsh_cornering_count)    AS cornering,
             sum(t.speeding_count)      AS speeding,
             max(t.max_speed_kmh)       AS max_speed_kmh
      FROM trips t
      JOIN drivers d ON d.id = t.driver_id AND d.active
      WHERE t.started_at >= ${w.end}::text::timestamptz - make_interval(days => ${w.days})
        AND t.started_at < ${w.end}::text::timestamptz
        AND t.ended_at IS NOT NULL
        ${w.driverIds ? sql`AND t.driver_id = ANY(${w.driverIds}::bigint[])` : sql``}
      GROUP BY t.driver_id
    )
    SELECT f.driver_id, f.trips, f.distance_km,
           f.distance_km / ${w.days}                                   AS km_per_day,
           f.duration_s / 3600.0 / ${w.days}                           AS hours_per_day,
           f.trips::float8 / ${w.days}                                 AS trips_per_day,
           f.distance_km / f.trips                                     AS avg_trip_km,
           CASE WHEN f.distance_km > 0 THEN f.night_km / f.distance_km ELSE 0 END AS night_share,
           100.0 * f.braking / greatest(f.distance_km, 1)              AS harsh_braking_per_100km,
           100.0 * f.acceleration / greatest(f.distance_km, 1)         AS harsh_acceleration_per_100km,
           100.0 * f.cornering / greatest(f.distance_km, 1)            AS harsh_cornering_per_100km,
           100.0 * f.speeding / greatest(f.distance_km, 1)             AS speeding_per_100km,
           CASE WHEN f.duration_s > 0 THEN f.distance_km * 3600.0 / f.duration_s ELSE 0 END AS avg_speed_kmh,
           f.max_speed_kmh::numeric::float8                            AS max_speed_kmh,
           pol.id AS policy_id, pol.base_premium,
           rs.score AS previous_score, pr.final_amount AS previous_final_amount
    FROM totals f
    LEFT JOIN LATERAL (
      SELECT p.id, p.base_premium FROM policies p WHERE p.driver_id = f.driver_id AND p.status = 'active' ORDER BY p.id LIMIT 1
    ) pol ON true
    LEFT JOIN LATERAL (
      SELECT r.score FROM risk_scores r WHERE r.driver_id = f.driver_id ORDER BY r.scored_at DESC, r.id DESC LIMIT 1
    ) rs ON true
    LEFT JOIN LATERAL (
      SELECT p.final_amount FROM premiums p WHERE p.driver_id = f.driver_id ORDER BY p.computed_at DESC, p.id DESC LIMIT 1
    ) pr ON true
    ORDER BY f.driver_id`,

  /**
   * Stores the run's scores and premiums in one statement (one round trip, one transaction): the
   * rows travel as one JSON document. A rerun of the same hour for the same drivers updates their
   * rows in place (the (driver_id, scoring_run) keys of migration 007) instead of adding rows.
   */
  write: (sql: Sql, p: ScoreWriteParams) => sql<{ scores: number; premiums: number }[]>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(p.rows)}::text::jsonb)
        AS r(driver_id bigint, score numeric, features jsonb, reasons jsonb, premium jsonb)
    ), scores AS (
      INSERT INTO risk_scores AS s (driver_id, scoring_run, score, model_version, features, reasons)
      SELECT driver_id, ${p.run}::text::timestamptz, score, ${p.modelVersion}, features, reasons FROM input
      ON CONFLICT (driver_id, scoring_run) DO UPDATE
        SET scored_at = now(), score = excluded.score, model_version = excluded.model_version,
            features = excluded.features, reasons = excluded.reasons
      RETURNING s.id, s.driver_id, s.score
    ), priced AS (
      INSERT INTO premiums AS p (driver_id, scoring_run, policy_id, risk_score_id, base_amount, risk_factor, usage_factor, final_amount, score, details)
      SELECT i.driver_id, ${p.run}::text::timestamptz, (i.premium->>'policy_id')::bigint, s.id,
             (i.premium->>'base_amount')::numeric, (i.premium->>'risk_factor')::numeric, (i.premium->>'usage_factor')::numeric,
             (i.premium->>'final_amount')::numeric, s.score, i.premium->'details'
      FROM input i JOIN scores s ON s.driver_id = i.driver_id
      WHERE i.premium IS NOT NULL AND i.premium <> 'null'::jsonb
      ON CONFLICT (driver_id, scoring_run) DO UPDATE
        SET computed_at = now(), policy_id = excluded.policy_id, risk_score_id = excluded.risk_score_id,
            base_amount = excluded.base_amount, risk_factor = excluded.risk_factor, usage_factor = excluded.usage_factor,
            final_amount = excluded.final_amount, score = excluded.score, details = excluded.details
      RETURNING p.id
    )
    SELECT (SELECT count(*) FROM scores)::int AS scores, (SELECT count(*) FROM priced)::int AS premiums`,
};

export function listDriverFeatures(w: FeatureWindow): Promise<DriverFeatureRow[]> {
  return timedQuery('scoring.features', (sql) => scoringSql.features(sql, w));
}

export async function writeScores(p: ScoreWriteParams): Promise<{ scores: number; premiums: number }> {
  if (p.rows.length === 0) return { scores: 0, premiums: 0 };
  const [counts] = await timedQuery('scoring.write', (sql) => scoringSql.write(sql, p));
  return counts ?? { scores: 0, premiums: 0 };
}
