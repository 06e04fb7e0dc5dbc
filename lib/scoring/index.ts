export { FEATURE_DESCRIPTIONS, FEATURE_NAMES, MONOTONE_INCREASING, featureVector, type FeatureName, type Features } from './features.js';
export { MAX_REASONS, contributions, logitOf, topReasons, type LinearModel, type Reason } from './explain.js';
export {
  CARD_FILE, MODEL_FILE, ModelIntegrityError, configuredModelLocation, getRiskModel, loadRiskModel, modelCardSchema, modelKey, publishModel,
  resetRiskModel, toInputRows, type ModelCard, type ModelLocation, type RiskModel,
} from './model.js';
export { distribution, populationStabilityIndex, probabilityToScore } from './score.js';
export type { ScoringReport, ScoringRequest } from './report.js';
export { scoreDrivers } from './service.js';
export { scoringEvent } from './schemas.js';
