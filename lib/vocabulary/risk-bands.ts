/**
 * Risk bands: how a 0-100 score reads to people (lists, dashboards, metrics). A score is the share
 * of the training population with a lower predicted claim probability (50 is the median driver), so
 * `low` is the safest 40 %, `high` the riskiest 30 %. Bounds are [from, to), the last band includes 100.
 */
export const RISK_BANDS = [
  { band: 'low', from: 0, to: 40 },
  { band: 'medium', from: 40, to: 70 },
  { band: 'high', from: 70, to: 100 },
] as const;

export type RiskBand = (typeof RISK_BANDS)[number]['band'];

export const RISK_BAND_NAMES = RISK_BANDS.map((b) => b.band) as [RiskBand, ...RiskBand[]];

export function riskBandOf(score: number): RiskBand {
  for (const { band, to } of RISK_BANDS) if (score < to) return band;
  return 'high';
}

/** The score range of a band, the upper bound exclusive except for the last band (which includes 100). */
export function riskBandRange(band: RiskBand): { from: number; to: number; last: boolean } {
  const index = RISK_BANDS.findIndex((b) => b.band === band);
  const found = RISK_BANDS[index] ?? RISK_BANDS[0];
  return { from: found.from, to: found.to, last: index === RISK_BANDS.length - 1 };
}
