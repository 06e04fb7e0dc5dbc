import { describe, expect, it } from 'vitest';
import { FEATURE_NAMES, logitOf, type Features, type LinearModel } from '../../../lib/scoring/index.js';
import { monotoneViolations } from './monotone.js';

/** The guard of the model test can fail: it catches a model whose harsh-braking coefficient is negative. */

const base = Object.fromEntries(FEATURE_NAMES.map((f) => [f, 1])) as Features;
const linear = (coefficient: number): LinearModel => ({
  features: FEATURE_NAMES,
  coefficients: FEATURE_NAMES.map((f) => (f === 'harsh_braking_per_100km' ? coefficient : 0.1)),
  intercept: -2,
  scaler: { mean: FEATURE_NAMES.map(() => 0), scale: FEATURE_NAMES.map(() => 1) },
});
const predictWith = (model: LinearModel) => (rows: readonly Features[]) => Promise.resolve(rows.map((r) => 1 / (1 + Math.exp(-logitOf(model, r)))));

describe('monotoneViolations', () => {
  it('reports every step down of a model that lowers risk with harsh braking', async () => {
    const violations = await monotoneViolations(predictWith(linear(-0.3)), [base], 'harsh_braking_per_100km', [0, 1, 2]);
    expect(violations).toHaveLength(2);
  });

  it('reports nothing for a model constrained the right way', async () => {
    expect(await monotoneViolations(predictWith(linear(0.3)), [base], 'harsh_braking_per_100km', [0, 1, 2])).toEqual([]);
  });
});
