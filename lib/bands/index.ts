export { RISK_BANDS, RISK_BAND_NAMES, riskBandOf, riskBandRange, type RiskBand } from './risk-bands.js';
export { riskReasonSchema, type RiskReason } from './reasons.js';
