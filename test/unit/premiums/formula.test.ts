import { describe, expect, it } from 'vitest';
import { RISK_FACTOR, USAGE_FACTOR, quotePremium, riskFactor, usageFactor } from '../../../lib/premiums/formula.js';

describe('premium formula', () => {
  it('charges the base premium to a median driver at the reference mileage', () => {
    const q = quotePremium({ basePremium: 100, score: 50, distanceKm: (1000 / 30.4375) * 90, windowDays: 90 });
    expect(q).toMatchObject({ baseAmount: 100, riskFactor: 1, usageFactor: 1, finalAmount: 100 });
    expect(q.details).toMatchObject({ window_days: 90, risk_factor: { value: 1, score: 50 }, usage_factor: { value: 1, monthly_km: 1000 } });
  });

  it('keeps both factors inside their bounds whatever the score and mileage', () => {
    expect(riskFactor(0)).toBe(RISK_FACTOR.min);
    expect(riskFactor(100)).toBe(RISK_FACTOR.max);
    expect(usageFactor(0)).toBe(USAGE_FACTOR.min);
    expect(usageFactor(1_000_000)).toBe(USAGE_FACTOR.max);
    for (let score = 0; score <= 100; score += 0.5) {
      const q = quotePremium({ basePremium: 80, score, distanceKm: score * 100, windowDays: 90 });
      expect(q.riskFactor).toBeGreaterThanOrEqual(RISK_FACTOR.min);
      expect(q.riskFactor).toBeLessThanOrEqual(RISK_FACTOR.max);
      expect(q.finalAmount).toBeGreaterThanOrEqual(80 * RISK_FACTOR.min * USAGE_FACTOR.min - 0.005);
      expect(q.finalAmount).toBeLessThanOrEqual(80 * RISK_FACTOR.max * USAGE_FACTOR.max + 0.005);
    }
  });

  it('never lowers the price when the score or the mileage rises', () => {
    let previous = 0;
    for (let score = 0; score <= 100; score += 1) {
      const { finalAmount } = quotePremium({ basePremium: 120, score, distanceKm: 2000, windowDays: 90 });
      expect(finalAmount).toBeGreaterThanOrEqual(previous);
      previous = finalAmount;
    }
  });

  it('stores factors that multiply out to the final amount', () => {
    const q = quotePremium({ basePremium: 97.35, score: 73.21, distanceKm: 4321.5, windowDays: 90 });
    expect(q.finalAmount).toBe(Math.round(q.baseAmount * q.riskFactor * q.usageFactor * 100) / 100);
  });

  it('refuses inputs out of range', () => {
    expect(() => quotePremium({ basePremium: 100, score: 101, distanceKm: 1, windowDays: 90 })).toThrow(RangeError);
    expect(() => quotePremium({ basePremium: 100, score: 50, distanceKm: -1, windowDays: 90 })).toThrow(RangeError);
  });
});
