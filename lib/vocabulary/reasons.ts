import { z } from 'zod';

/**
 * Why a score is what it is: the features that raised it most, as the scoring run stores them
 * (risk_scores.reasons, migrations/004) and the risk and premium routes return them.
 */
export const riskReasonSchema = z
  .object({
    feature: z.string().describe('Feature name, e.g. `harsh_braking_per_100km`'),
    value: z.number().describe("The driver's value of the feature"),
    contribution: z.number().describe("The feature's contribution to the model's log-odds, relative to the training population's average"),
    description: z.string(),
  })
  .meta({ id: 'RiskReason' });

export type RiskReason = z.output<typeof riskReasonSchema>;
