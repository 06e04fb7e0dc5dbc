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
}

export const premiumSql = {
  /** The latest premium with its breakdown and the score behind it. */
  current: (sql: Sql, driverId: number) => sql<PremiumRow[]>`
    SELECT p.id, p.driver_id, p.policy_id, p.computed_at, p.base_amount, p.risk_factor, p.usage_factor, p.final_amount,
           p.score, p.risk_score_id, r.model_version, r.scored_at
    FROM premiums p
    LEFT JOIN risk_scores r ON r.id = p.risk_score_id
    WHERE p.driver_id = ${driverId}
    ORDER BY p.computed_at DESC, p.id DESC
    LIMIT 1`,
};

export function getCurrentPremium(driverId: number): Promise<PremiumRow | undefined> {
  return timedQuery('premiums.current', async (sql) => (await premiumSql.current(sql, driverId))[0]);
}
