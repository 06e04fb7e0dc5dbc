/**
 * The premium formula (README, "Premiums"): the policy's base premium times a risk factor and a
 * usage factor, each bounded, so no score and no mileage can move a price outside a known band.
 *
 *   risk_factor  = clamp(0.70 + 0.60 * score / 100, 0.70, 1.30)         score 0..100, 50 -> 1.00
 *   usage_factor = clamp(0.80 + 0.20 * monthly_km / 1000, 0.80, 1.30)   1000 km a month -> 1.00
 *   final        = base * risk_factor * usage_factor                     (factors to 4 decimals, final to cents)
 *
 * monthly_km is the distance driven in the scoring window scaled to an average month. Pure code:
 * the scoring run calls it and stores its breakdown in premiums.details.
 */

export const RISK_FACTOR = { min: 0.7, max: 1.3, atZero: 0.7, perPoint: 0.006 } as const;
export const USAGE_FACTOR = { min: 0.8, max: 1.3, atZero: 0.8, perReference: 0.2, referenceMonthlyKm: 1000 } as const;
const DAYS_PER_MONTH = 30.4375;

export interface PremiumInput {
  basePremium: number;
  /** The risk score, 0-100. */
  score: number;
  /** Distance driven over the scoring window, km. */
  distanceKm: number;
  windowDays: number;
}

export interface PremiumDetails {
  distance_km: number;
  window_days: number;
  risk_factor: { value: number; score: number; min: number; max: number; formula: string };
  usage_factor: { value: number; monthly_km: number; reference_monthly_km: number; min: number; max: number; formula: string };
  formula: string;
}

export interface PremiumQuote {
  baseAmount: number;
  riskFactor: number;
  usageFactor: number;
  finalAmount: number;
  details: PremiumDetails;
}

export function riskFactor(score: number): number {
  return round(clamp(RISK_FACTOR.atZero + RISK_FACTOR.perPoint * score, RISK_FACTOR.min, RISK_FACTOR.max), 4);
}

export function usageFactor(monthlyKm: number): number {
  const f = USAGE_FACTOR.atZero + (USAGE_FACTOR.perReference * monthlyKm) / USAGE_FACTOR.referenceMonthlyKm;
  return round(clamp(f, USAGE_FACTOR.min, USAGE_FACTOR.max), 4);
}

export function quotePremium(input: PremiumInput): PremiumQuote {
  if (!(input.basePremium >= 0) || !(input.windowDays > 0) || !(input.distanceKm >= 0) || !(input.score >= 0 && input.score <= 100)) {
    throw new RangeError(`premium inputs out of range: ${JSON.stringify(input)}`);
  }
  const monthlyKm = round((input.distanceKm / input.windowDays) * DAYS_PER_MONTH, 1);
  const risk = riskFactor(input.score);
  const usage = usageFactor(monthlyKm);
  return {
    baseAmount: round(input.basePremium, 2),
    riskFactor: risk,
    usageFactor: usage,
    finalAmount: round(input.basePremium * risk * usage, 2),
    details: {
      distance_km: round(input.distanceKm, 3),
      window_days: input.windowDays,
      risk_factor: { value: risk, score: input.score, min: RISK_FACTOR.min, max: RISK_FACTOR.max, formula: 'clamp(0.70 + 0.006 * score, 0.70, 1.30)' },
      usage_factor: {
        value: usage,
        monthly_km: monthlyKm,
        reference_monthly_km: USAGE_FACTOR.referenceMonthlyKm,
        min: USAGE_FACTOR.min,
        max: USAGE_FACTOR.max,
        formula: 'clamp(0.80 + 0.20 * monthly_km / 1000, 0.80, 1.30)',
      },
      formula: 'final = base_premium * risk_factor * usage_factor',
    },
  };
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));
const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;
