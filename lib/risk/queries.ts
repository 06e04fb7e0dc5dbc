import { timedQuery, type Sql } from '../db/index.js';

/**
 * SQL for risk scores. `riskSql` holds each statement as a function of the client and typed
 * parameters returning a lazy query, run by the functions below and planned as-is by the EXPLAIN test.
 */

export interface RiskScoreRow {
  id: number;
  driver_id: number;
  scored_at: Date;
  score: number;
  model_version: string;
  features: Record<string, unknown>;
}

export interface RiskHistoryParams {
  driverId: number;
  limit: number;
  /** Keyset position: scores strictly older than this one. */
  before?: { scoredAt: Date; id: number };
}

export const riskSql = {
  current: (sql: Sql, driverId: number) => sql<RiskScoreRow[]>`
    SELECT id, driver_id, scored_at, score, model_version, features
    FROM risk_scores
    WHERE driver_id = ${driverId}
    ORDER BY scored_at DESC, id DESC
    LIMIT 1`,

  /** A driver's scores, newest first, one keyset page. */
  history: (sql: Sql, p: RiskHistoryParams) => sql<RiskScoreRow[]>`
    SELECT id, driver_id, scored_at, score, model_version, features
    FROM risk_scores
    WHERE driver_id = ${p.driverId}
      ${p.before ? sql`AND (scored_at, id) < (${p.before.scoredAt}, ${p.before.id})` : sql``}
    ORDER BY scored_at DESC, id DESC
    LIMIT ${p.limit}`,
};

export function getCurrentRiskScore(driverId: number): Promise<RiskScoreRow | undefined> {
  return timedQuery('risk.current', async (sql) => (await riskSql.current(sql, driverId))[0]);
}

export function listRiskHistory(p: RiskHistoryParams): Promise<RiskScoreRow[]> {
  return timedQuery('risk.history', (sql) => riskSql.history(sql, p));
}
