import { z } from 'zod';
import { RISK_BAND_NAMES, riskReasonSchema } from '../vocabulary/index.js';
import { cursorPageSchema, cursorPaginationQuery } from '../pagination/index.js';
import { wireInstant } from '../validation/wire.js';

/** The risk API on the wire. */

const scoreFields = {
  driver_id: z.number().int().positive(),
  score: z.number().min(0).max(100).describe('0 (safest) to 100'),
  risk_band: z.enum(RISK_BAND_NAMES),
  scored_at: wireInstant,
  model_version: z.string(),
  reasons: z.array(riskReasonSchema).max(3).describe('The features that raised the score most, largest first'),
};

export const riskScore = z
  .object({ ...scoreFields, features: z.record(z.string(), z.number()).describe('The feature vector the model saw') })
  .meta({ id: 'RiskScore' });

export const riskHistoryItem = z.object({ id: z.number().int().positive(), ...scoreFields }).meta({ id: 'RiskHistoryItem' });

export const riskHistoryQuery = cursorPaginationQuery.strict();
export const riskHistoryPage = cursorPageSchema(riskHistoryItem);

export type RiskScore = z.output<typeof riskScore>;
export type RiskHistoryItem = z.output<typeof riskHistoryItem>;
export type RiskHistoryQuery = z.output<typeof riskHistoryQuery>;
export type RiskHistoryPage = z.output<typeof riskHistoryPage>;
