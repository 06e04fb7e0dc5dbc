import type { DriverFeatureRow, ScoreWrite } from './queries.js';

/**
 * What a run's row changes against the driver's previous score and premium: the one definition of
 * "changed" for the writes and caches (service.ts) and for the push (notify.ts). A driver without a
 * previous score has a changed score; a row without a premium (no policy) changes no premium.
 */
export interface ScoreChange {
  driverId: number;
  previousScore: number | null;
  previousAmount: number | null;
  score: boolean;
  premium: boolean;
}

export function changeOf(row: ScoreWrite, before: Pick<DriverFeatureRow, 'previous_score' | 'previous_final_amount'>): ScoreChange {
  const previousScore = before.previous_score === null ? null : Number(before.previous_score);
  const previousAmount = before.previous_final_amount === null ? null : Number(before.previous_final_amount);
  return {
    driverId: row.driver_id,
    previousScore,
    previousAmount,
    score: previousScore !== row.score,
    premium: row.premium !== null && previousAmount !== row.premium.final_amount,
  };
}

export const hasChanged = (change: ScoreChange): boolean => change.score || change.premium;
