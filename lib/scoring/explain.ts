import { FEATURE_DESCRIPTIONS, type FeatureName, type Features } from './features.js';

/**
 * Why a driver scored what they scored. The model is a logistic regression on standardised
 * features, so its logit is exactly `intercept + sum(coefficient_i * (x_i - mean_i) / scale_i)`:
 * each term is the feature's contribution against the average training driver (whose terms are
 * all zero), in logit units. The reasons are the largest positive terms, the features that raised
 * the score most; `logitOf` is the same sum, which the model test compares with the ONNX output.
 */

export interface LinearModel {
  features: readonly FeatureName[];
  coefficients: readonly number[];
  intercept: number;
  scaler: { mean: readonly number[]; scale: readonly number[] };
}

/** One stored reason (risk_scores.reasons, migration 004). */
export interface Reason {
  feature: FeatureName;
  value: number;
  /** The feature's term of the logit against the average driver; positive raised the score. */
  contribution: number;
  description: string;
}

export const MAX_REASONS = 3;

/** Every feature's term of the model's logit for `features`, in the model's feature order. */
export function contributions(model: LinearModel, features: Features): number[] {
  return model.features.map((name, i) => {
    const scale = model.scaler.scale[i] ?? 1;
    return ((model.coefficients[i] ?? 0) * (features[name] - (model.scaler.mean[i] ?? 0))) / (scale === 0 ? 1 : scale);
  });
}

/** The model's logit for `features` (intercept plus every contribution). */
export function logitOf(model: LinearModel, features: Features): number {
  return contributions(model, features).reduce((sum, c) => sum + c, model.intercept);
}

/** The (at most three) features that raised the score most, largest contribution first. */
export function topReasons(model: LinearModel, features: Features, count = MAX_REASONS): Reason[] {
  return contributions(model, features)
    .map((contribution, i) => ({ name: model.features[i] as FeatureName, contribution }))
    .filter((c) => c.contribution > 0)
    .sort((a, b) => b.contribution - a.contribution || a.name.localeCompare(b.name))
    .slice(0, count)
    .map(({ name, contribution }) => ({
      feature: name,
      value: round(features[name], 4),
      contribution: round(contribution, 4),
      description: FEATURE_DESCRIPTIONS[name],
    }));
}

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;
