import { z } from 'zod';
import { cursorTimestampOf, timedQuery, type Sql } from '../db/index.js';
import { cursorTimestamp, type KeysetWindow } from '../pagination/index.js';

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
  features: Record<string, number>;
  /** The features that raised the score most (migrations/004). */
  reasons: RiskReason[];
}

export interface RiskReason {
  feature: string;
  value: number;
  contribution: number;
  description: string;
}

/** A score in a driver's history, with its keyset position. */
export interface RiskHistoryRow extends RiskScoreRow {
  /** `scored_at` as exact UTC text with microseconds: the keyset position, which a Date cannot hold. */
  cursor_ts: string;
}

/** The key of the score history's keyset, `[cursor_ts, id]`: decode cursors with it. */
export const riskScoreKey = z.tuple([cursorTimestamp, z.number().int().positive()]);
export type RiskScoreKey = z.output<typeof riskScoreKey>;

/** The key a cursor stores for `row`. */
export const riskScoreKeyOf = (row: RiskHistoryRow): RiskScoreKey => [row.cursor_ts, row.id];

export interface RiskHistoryParams extends KeysetWindow<RiskScoreKey> {
  driverId: number;
}

export const riskSql = {
  current: (sql: Sql, driverId: number) => sql<RiskScoreRow[]>`
    SELECT id, driver_id, scored_at, score, model_version, features, reasons
    FROM risk_scores
    WHERE driver_id = ${driverId}
    ORDER BY scored_at DESC, id DESC
    LIMIT 1`,

  /** The current scores of many drivers in one statement (one index probe each), for cache warming after scoring. */
  currentOfMany: (sql: Sql, driverIds: readonly number[]) => sql<RiskScoreRow[]>`
    SELECT r.id, r.driver_id, r.scored_at, r.score, r.model_version, r.features, r.reasons
    FROM unnest(${driverIds as number[]}::bigint[]) AS d(id)
    CROSS JOIN LATERAL (
      SELECT * FROM risk_scores r WHERE r.driver_id = d.id ORDER BY r.scored_at DESC, r.id DESC LIMIT 1
    ) r`,

  /**
   * A driver's scores, newest first, one keyset page (ties on scored_at broken by id). The key's
   * timestamp travels as text both ways, so the comparison keeps microseconds.
   */
  history: (sql: Sql, p: RiskHistoryParams) => sql<RiskHistoryRow[]>`
    SELECT id, driver_id, scored_at, score, model_version, features, reasons, ${cursorTimestampOf(sql, 'scored_at')} AS cursor_ts
    FROM risk_scores
    WHERE driver_id = ${p.driverId}
      ${p.after ? sql`AND (scored_at, id) < (${p.after[0]}::text::timestamptz, ${p.after[1]}::bigint)` : sql``}
    ORDER BY scored_at DESC, id DESC
    LIMIT ${p.limit}`,
};

export function getCurrentRiskScore(driverId: number): Promise<RiskScoreRow | undefined> {
  return timedQuery('risk.current', async (sql) => (await riskSql.current(sql, driverId))[0]);
}

export function listRiskHistory(p: RiskHistoryParams): Promise<RiskHistoryRow[]> {
  return timedQuery('risk.history', (sql) => riskSql.history(sql, p));
}

export function getCurrentRiskScores(driverIds: readonly number[]): Promise<RiskScoreRow[]> {
  return timedQuery('risk.current_of_many', (sql) => riskSql.currentOfMany(sql, driverIds));
}
