// The product's shared vocabulary: names and scales every domain uses (event types, risk bands, score reasons).
export { EVENT_TYPES, SAFETY_EVENT_TYPES, type EventType, type SafetyEventType } from './event-types.js';
export { RISK_BANDS, RISK_BAND_NAMES, riskBandOf, riskBandRange, type RiskBand } from './risk-bands.js';
export { riskReasonSchema, type RiskReason } from './reasons.js';
