import { z } from 'zod';
import { riskReasonSchema } from '../vocabulary/index.js';
import { wireInstant } from '../validation/wire.js';

/** The premiums API on the wire. */

export const premium = z
  .object({
    driver_id: z.number().int().positive(),
    policy_id: z.number().int().positive().nullable(),
    computed_at: wireInstant,
    final_amount: z.number().min(0).describe('Monthly premium: base_amount x risk_factor x usage_factor, rounded to cents'),
    breakdown: z.object({
      base_amount: z.number().min(0).describe("The policy's monthly base premium"),
      risk_factor: z.number().positive().describe('From the risk score (bounded)'),
      usage_factor: z.number().positive().describe('From the distance driven (bounded)'),
      details: z.record(z.string(), z.unknown()).describe('The inputs and bounds the factors came from'),
    }),
    risk: z
      .object({
        risk_score_id: z.number().int().positive().nullable(),
        score: z.number().min(0).max(100).nullable(),
        model_version: z.string().nullable(),
        scored_at: wireInstant.nullable(),
        reasons: z.array(riskReasonSchema).max(3),
      })
      .describe('The score the price was computed from, and why it is what it is'),
  })
  .meta({ id: 'Premium' });

export type Premium = z.output<typeof premium>;
