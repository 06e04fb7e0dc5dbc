import { timedQuery, type Sql } from '../db/index.js';

/**
 * SQL for premiums. `premiumSql` holds each statement as a function of the client and typed
 * parameters returning a lazy query, run by the functions below and planned as-is by the EXPLAIN test.
 */

export interface PremiumRow {
  id: number;
  driver_id: number;
  policy_id: number | null;
  computed_at: Date;
  base_amount: number;
  risk_factor: number;
  usage_factor: number;
  final_amount: number;
  /** The score the price was computed from, and where it came from. */
  score: number | null;
  risk_score_id: number | null;
  model_version: string | null;
  scored_at: Date | null;
  /** The inputs and bounds of the factors (migrations/004). */
  details: Record<string, unknown>;
  /** The reasons of the score the price came from (empty without one). */
  reasons: { feature: string; value: number; contribution: number; description: string }[];
}

const PREMIUM_COLUMNS = (sql: Sql) => sql`
  p.id, p.driver_id, p.policy_id, p.computed_at, p.base_amount, p.risk_factor, p.usage_factor, p.final_amount,
  p.score, p.risk_score_id, p.details, r.model_version, r.scored_at, coalesce(r.reasons, '[]') AS reasons`;

export const premiumSql = {
  /** The latest premium with its breakdown and the score behind it. */
  current: (sql: Sql, driverId: number) => sql<PremiumRow[]>`
    SELECT ${PREMIUM_COLUMNS(sql)}
    FROM premiums p
    LEFT JOIN risk_scores r ON r.id = p.risk_score_id
    WHERE p.driver_id = ${driverId}
    ORDER BY p.computed_at DESC, p.id DESC
    LIMIT 1`,

  /** The current premiums of many drivers in one statement (one index probe each), for cache warming after pricing. */
  currentOfMany: (sql: Sql, driverIds: readonly number[]) => sql<PremiumRow[]>`
    SELECT ${PREMIUM_COLUMNS(sql)}
    FROM unnest(${driverIds as number[]}::bigint[]) AS d(id)
    CROSS JOIN LATERAL (
      SELECT * FROM premiums p WHERE p.driver_id = d.id ORDER BY p.computed_at DESC, p.id DESC LIMIT 1
    ) p
    LEFT JOIN risk_scores r ON r.id = p.risk_score_id`,
};

export function getCurrentPremium(driverId: number): Promise<PremiumRow | undefined> {
  return timedQuery('premiums.current', async (sql) => (await premiumSql.current(sql, driverId))[0]);
}

export function getCurrentPremiums(driverIds: readonly number[]): Promise<PremiumRow[]> {
  return timedQuery('premiums.current_of_many', (sql) => premiumSql.currentOfMany(sql, driverIds));
}
