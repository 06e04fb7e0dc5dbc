import { counter, gauge, histogram } from '../metrics/index.js';

/** What a scoring run reports (SPEC 7): drivers scored, inference time per batch, phase times, score distribution, drift. */

export const driversScored = counter({ name: 'scoring_drivers_scored_total', help: 'Drivers scored by score-drivers runs.', unit: 'Count' });

export const inferenceBatchDuration = histogram({
  name: 'scoring_inference_batch_duration_seconds',
  help: 'ONNX inference time of one batch of drivers.',
  buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
});

export const runPhaseDuration = gauge({
  name: 'scoring_last_run_phase_seconds',
  help: 'Duration of each phase of the last scoring run (model_load, features, inference, writes, cache, notify, total).',
  labelNames: ['phase'],
  unit: 'Seconds',
});

export const riskScores = histogram({
  name: 'scoring_risk_score',
  help: 'Distribution of the scores written by scoring runs (0-100).',
  buckets: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100],
  unit: 'Count',
});

export const scorePsi = gauge({
  name: 'scoring_population_stability_index',
  help: "Population stability index of the last full run's scores against the training distribution (drift above 0.25).",
  unit: 'None',
});
