import { copyInto, copyLine, withTransaction, type Sql, type TransactionSql } from '../db/index.js';
import type { PremiumRow } from '../premiums/queries.js';
import type { RiskScoreRow } from '../risk/queries.js';
import type { Features } from './features.js';
import { asStoredJson } from './stored-json.js';

/**
 * SQL of the scoring run. `scoringSql` holds each statement as a function of the client and typed
 * parameters returning a lazy query; the functions below run them by name.
 */

export interface FeatureWindow {
  /** Exclusive end of the window, ISO text to the millisecond (a run's hour). */
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
  /** Drivers whose score or premium changes: their written rows come back, as the risk and premium routes read them. */
  changed: ReadonlySet<number>;
  modelVersion: string;
  /** The run's hour (ISO text): with the driver, the idempotency key of both tables. */
  run: string;
}

export const scoringSql = {
  /**
   * Every feature of every active driver with a finished trip in the window, summed per driver from
   * the daily rollup of trips (migration 008) for the window's whole UTC days, plus the trips
   * themselves for the partial days at its ends (none when the window ends at midnight; a day's
   * trips otherwise, by trips_started_idx), then one index probe per driver for its policy and
   * latest score and premium. The sums are those of the trips in the window, as if read from trips.
   * Per-100-km rates divide by at least 1 km so a few metres of driving cannot produce an absurd rate.
   */
  features: (sql: Sql | TransactionSql, w: FeatureWindow) => {
    const b = windowBounds(w);
    const onlyDrivers = (column: string) => (w.driverIds ? sql`AND ${sql(column)} = ANY(${w.driverIds}::bigint[])` : sql``);
    const edge = (from: string, to: string) => sql`
      SELECT t.driver_id, 1 AS trips, t.distance_km, t.duration_s::bigint, t.night_distance_km, t.harsh_braking_count,
             t.harsh_acceleration_count, t.harsh_cornering_count, t.speeding_count, t.max_speed_kmh
      FROM trips t
      WHERE t.started_at >= ${from}::text::timestamptz AND t.started_at < ${to}::text::timestamptz AND t.ended_at IS NOT NULL
        ${onlyDrivers('t.driver_id')}`;
    // The days are parameters typed date by the statement itself (no cast left to evaluate per row).
    return sql<DriverFeatureRow[]>`
    WITH parts AS (
      SELECT r.driver_id, r.trips, r.distance_km, r.duration_s, r.night_distance_km, r.harsh_braking_count,
             r.harsh_acceleration_count, r.harsh_cornering_count, r.speeding_count, r.max_speed_kmh
      FROM driver_daily r
      WHERE r.day >= ${b.firstDay}::date AND r.day < ${b.endDay}::date ${onlyDrivers('r.driver_id')}
      UNION ALL ${edge(b.from, b.firstDayStart)}
      UNION ALL ${edge(b.endDayStart, b.to)}
    ),
    totals AS (
      SELECT p.driver_id,
             sum(p.trips)::int                    AS trips,
             sum(p.distance_km)                   AS distance_km,
             sum(p.duration_s)                    AS duration_s,
             sum(p.night_distance_km)             AS night_km,
             sum(p.harsh_braking_count)           AS braking,
             sum(p.harsh_acceleration_count)      AS acceleration,
             sum(p.harsh_cornering_count)         AS cornering,
             sum(p.speeding_count)                AS speeding,
             max(p.max_speed_kmh)                 AS max_speed_kmh
      FROM parts p
      JOIN drivers d ON d.id = p.driver_id AND d.active
      GROUP BY p.driver_id
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
    ORDER BY f.driver_id`;
  },

  /**
   * No JIT compilation for the run's statements: they run once an hour over known, modest row
   * counts, where compiling cost more than it saved (600 ms of a 1.5 s write, measured).
   */
  noJit: (tx: TransactionSql) => tx`SELECT set_config('jit', 'off', true)`,

  /**
   * Fresh statistics of the staged rows, so the write is planned for thousands of rows, not a guess:
   * the row count, and the join keys (sampling the JSON columns too tripled its cost).
   */
  analyzeStaging: (tx: TransactionSql) => tx`ANALYZE scoring_input (driver_id, policy_id)`,

  /**
   * The session's staging table of a run's rows, gone at the end of the write's transaction. The
   * JSON columns are jsonb, so COPY parses each value once, straight into its type.
   */
  createStaging: (tx: TransactionSql) => tx`
    CREATE TEMP TABLE scoring_input (
      driver_id bigint NOT NULL, changed boolean NOT NULL, score numeric NOT NULL, features jsonb NOT NULL, reasons jsonb NOT NULL,
      policy_id bigint, base_amount numeric, risk_factor numeric, usage_factor numeric, final_amount numeric, details jsonb
    ) ON COMMIT DROP`,

  /**
   * Stores the staged scores and premiums in one statement. A rerun of the same hour for the same
   * drivers updates their rows in place (the (driver_id, scoring_run) keys of migration 007)
   * instead of adding rows. Returns the counts, with what only the database knows of the changed
   * drivers' rows (ids and times) for the cache warming; the rest of those rows is what was staged,
   * so the written JSON is not read back (parsing it again took longer than the writing, measured).
   * One row of counts alone when no driver changed.
   */
  write: (tx: TransactionSql, p: Omit<ScoreWriteParams, 'rows' | 'changed'>) => tx<WrittenRow[]>`
    WITH scores AS (
      INSERT INTO risk_scores AS s (driver_id, scoring_run, score, model_version, features, reasons)
      SELECT driver_id, ${p.run}::text::timestamptz, score, ${p.modelVersion}, features, reasons FROM scoring_input
      ON CONFLICT (driver_id, scoring_run) DO UPDATE
        SET scored_at = now(), score = excluded.score, model_version = excluded.model_version,
            features = excluded.features, reasons = excluded.reasons
      RETURNING s.id, s.driver_id, s.scored_at
    ), priced AS (
      INSERT INTO premiums AS p (driver_id, scoring_run, policy_id, risk_score_id, base_amount, risk_factor, usage_factor, final_amount, score, details)
      SELECT i.driver_id, ${p.run}::text::timestamptz, i.policy_id, s.id, i.base_amount, i.risk_factor, i.usage_factor,
             i.final_amount, i.score, i.details
      FROM scoring_input i JOIN scores s ON s.driver_id = i.driver_id
      WHERE i.policy_id IS NOT NULL
      ON CONFLICT (driver_id, scoring_run) DO UPDATE
        SET computed_at = now(), policy_id = excluded.policy_id, risk_score_id = excluded.risk_score_id,
            base_amount = excluded.base_amount, risk_factor = excluded.risk_factor, usage_factor = excluded.usage_factor,
            final_amount = excluded.final_amount, score = excluded.score, details = excluded.details
      RETURNING p.id, p.driver_id, p.computed_at
    )
    SELECT n.scores_written, n.premiums_written, c.*
    FROM (SELECT (SELECT count(*) FROM scores)::int AS scores_written, (SELECT count(*) FROM priced)::int AS premiums_written) AS n
    LEFT JOIN (
      SELECT s.driver_id, s.id, s.scored_at, p.id AS premium_id, p.computed_at
      FROM scores s
      JOIN scoring_input i ON i.driver_id = s.driver_id AND i.changed
      LEFT JOIN priced p ON p.driver_id = s.driver_id
    ) AS c ON true`,
};

const STAGED_COLUMNS = [
  'driver_id', 'changed', 'score', 'features', 'reasons', 'policy_id', 'base_amount', 'risk_factor', 'usage_factor', 'final_amount', 'details',
] as const;

/** A row as a COPY line of scoring_input, in STAGED_COLUMNS order. */
const stagedLine = (r: ScoreWrite, changed: boolean): string =>
  copyLine([
    r.driver_id, changed, r.score, JSON.stringify(r.features), JSON.stringify(r.reasons),
    r.premium?.policy_id ?? null, r.premium?.base_amount ?? null, r.premium?.risk_factor ?? null,
    r.premium?.usage_factor ?? null, r.premium?.final_amount ?? null, r.premium ? JSON.stringify(r.premium.details) : null,
  ]);

function* stagedLines(rows: readonly ScoreWrite[], changed: ReadonlySet<number>): Generator<string> {
  for (const r of rows) yield stagedLine(r, changed.has(r.driver_id));
}

const DAY_MS = 86_400_000;

/**
 * A window's time bounds and the whole UTC days inside it, as text parameters: [from, to) is the
 * window; the days [firstDay, endDay) are read from the daily rollup, the partial days [from,
 * firstDayStart) and [endDayStart, to) from trips (empty when the window starts and ends at midnight).
 */
export function windowBounds(w: Pick<FeatureWindow, 'end' | 'days'>) {
  const toMs = Date.parse(w.end);
  if (!Number.isFinite(toMs)) throw new RangeError(`features window: end "${w.end}" is not a time`);
  const fromMs = toMs - w.days * DAY_MS;
  const firstDayMs = Math.min(Math.ceil(fromMs / DAY_MS) * DAY_MS, toMs);
  const endDayMs = Math.max(Math.floor(toMs / DAY_MS) * DAY_MS, firstDayMs);
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    from: iso(fromMs),
    to: iso(toMs),
    firstDay: iso(firstDayMs).slice(0, 10),
    endDay: iso(endDayMs).slice(0, 10),
    firstDayStart: iso(firstDayMs),
    endDayStart: iso(endDayMs),
  };
}

export function listDriverFeatures(w: FeatureWindow): Promise<DriverFeatureRow[]> {
  return withTransaction(async (tx) => {
    await scoringSql.noJit(tx);
    return scoringSql.features(tx, w);
  }, 'scoring.features');
}

/** What a run wrote: the counts, and the changed drivers' current score and premium rows. */
export interface WrittenScores {
  scores: number;
  premiums: number;
  current: { risk: RiskScoreRow[]; premiums: PremiumRow[] };
  /** Where the write's time went, ms: staging the rows (COPY and statistics), and the statement writing both tables. */
  steps: { stageMs: number; statementMs: number };
}

/** A row of scoringSql.write: the counts, and a changed driver's ids and times (null in the counts-only row). */
type WrittenRow = { scores_written: number; premiums_written: number } & Nullable<{
  driver_id: number;
  id: number;
  scored_at: Date;
  premium_id: number;
  computed_at: Date;
}>;
type Nullable<T> = { [K in keyof T]: T[K] | null };

/**
 * Stores a run's scores and premiums in one transaction: the rows are COPied into a staging table
 * (one round trip), then inserted into both tables by one statement. Returns the changed drivers'
 * rows as the risk and premium routes read them (riskSql.current, premiumSql.current): the staged
 * values, with the ids and times the statement returned and the JSON in jsonb's key order.
 */
export async function writeScores(p: ScoreWriteParams): Promise<WrittenScores> {
  if (p.rows.length === 0) return { scores: 0, premiums: 0, current: { risk: [], premiums: [] }, steps: { stageMs: 0, statementMs: 0 } };
  const steps = { stageMs: 0, statementMs: 0 };
  const written = await withTransaction(async (tx) => {
    let started = performance.now();
    await scoringSql.createStaging(tx);
    // Lines made as COPY takes them, so PostgreSQL parses one chunk while the next is serialised.
    await copyInto(tx, { table: 'scoring_input', columns: STAGED_COLUMNS }, stagedLines(p.rows, p.changed));
    await scoringSql.analyzeStaging(tx);
    steps.stageMs = performance.now() - started;
    started = performance.now();
    await scoringSql.noJit(tx);
    const rows = await scoringSql.write(tx, p);
    steps.statementMs = performance.now() - started;
    return rows;
  }, 'scoring.write');
  const staged = new Map(p.rows.map((r) => [r.driver_id, r]));
  const risk: RiskScoreRow[] = [];
  const premiums: PremiumRow[] = [];
  for (const { driver_id, id, scored_at, premium_id, computed_at } of written) {
    const row = driver_id === null ? undefined : staged.get(driver_id);
    if (!row || id === null || scored_at === null) continue;
    const reasons = asStoredJson(row.reasons) as RiskScoreRow['reasons'];
    risk.push({ id, driver_id: row.driver_id, scored_at, score: row.score, model_version: p.modelVersion, features: asStoredJson(row.features), reasons });
    if (premium_id === null || computed_at === null || !row.premium) continue;
    const { policy_id, base_amount, risk_factor, usage_factor, final_amount, details } = row.premium;
    premiums.push({
      id: premium_id, driver_id: row.driver_id, policy_id, computed_at, base_amount, risk_factor, usage_factor, final_amount,
      score: row.score, risk_score_id: id, model_version: p.modelVersion, scored_at, details: asStoredJson(details), reasons,
    });
  }
  const [first] = written;
  return { scores: first?.scores_written ?? 0, premiums: first?.premiums_written ?? 0, current: { risk, premiums }, steps };
}
