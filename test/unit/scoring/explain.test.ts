import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES, MAX_REASONS, contributions, logitOf, topReasons, type Features, type LinearModel } from '../../../lib/scoring/index.js';

const model: LinearModel = {
  features: FEATURE_NAMES,
  coefficients: FEATURE_NAMES.map((_, i) => (i % 2 === 0 ? 0.5 : -0.25)),
  intercept: -2,
  scaler: { mean: FEATURE_NAMES.map(() => 1), scale: FEATURE_NAMES.map(() => 2) },
};
const features = (values: Partial<Features>): Features => ({ ...(Object.fromEntries(FEATURE_NAMES.map((f) => [f, 1])) as Features), ...values });

describe('reasons', () => {
  it('are nothing for the average driver, whose every contribution is zero', () => {
    expect(topReasons(model, features({}))).toEqual([]);
    expect(logitOf(model, features({}))).toBe(-2);
  });

  it('are the (at most three) features that raised the logit most, largest first, with value, contribution and description', () => {
    // Even indexes have +0.5 per sd: raising them raises the logit; odd ones lower it when raised.
    const f = features({ km_per_day: 3, trips_per_day: 5, night_share: 9, harsh_acceleration_per_100km: 7, hours_per_day: 11 });
    const reasons = topReasons(model, f);
    expect(reasons.map((r) => r.feature)).toEqual(['night_share', 'harsh_acceleration_per_100km', 'trips_per_day']);
    expect(reasons).toHaveLength(MAX_REASONS);
    expect(reasons[0]).toEqual({ feature: 'night_share', value: 9, contribution: 2, description: 'Share of distance driven at night (22:00-05:00)' });
    // hours_per_day (odd index) went up and so lowered the logit: never a reason.
    expect(reasons.some((r) => r.feature === 'hours_per_day')).toBe(false);
  });

  it('add up, with the intercept, to the logit', () => {
    const f = features({ km_per_day: 3, speeding_per_100km: 0 });
    expect(contributions(model, f).reduce((a, b) => a + b, model.intercept)).toBeCloseTo(logitOf(model, f), 12);
  });
});
