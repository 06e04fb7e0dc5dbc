/**
 * The risk model's features: what each one means, in the order the model reads them. The order is
 * the model's input layout and is fixed by the model card; `featureVector` lays a driver's row out
 * in it. Every feature is a rate or a share, never a total over the window, so a model trained on
 * one window length reads any other; event counts are per 100 km so a driver who drives more is
 * not counted riskier for it (distance is priced by the usage factor, and is a feature of its own).
 */

export const FEATURE_NAMES = [
  'km_per_day',
  'hours_per_day',
  'trips_per_day',
  'avg_trip_km',
  'night_share',
  'harsh_braking_per_100km',
  'harsh_acceleration_per_100km',
  'harsh_cornering_per_100km',
  'speeding_per_100km',
  'avg_speed_kmh',
  'max_speed_kmh',
] as const;

export type FeatureName = (typeof FEATURE_NAMES)[number];
export type Features = Record<FeatureName, number>;

/**
 * Features the score may only rise with, all else equal: the model's coefficients for them are
 * constrained to be non-negative when it is trained (scripts/train/train.py), and the model test
 * checks the property over a grid.
 */
export const MONOTONE_INCREASING: readonly FeatureName[] = [
  'harsh_braking_per_100km',
  'harsh_acceleration_per_100km',
  'harsh_cornering_per_100km',
  'speeding_per_100km',
];

/** What a feature means, in words a driver reads beside a score (the reasons of risk_scores). */
export const FEATURE_DESCRIPTIONS: Record<FeatureName, string> = {
  km_per_day: 'Distance driven per day (km)',
  hours_per_day: 'Time spent driving per day (hours)',
  trips_per_day: 'Trips per day',
  avg_trip_km: 'Average trip length (km)',
  night_share: 'Share of distance driven at night (22:00-05:00)',
  harsh_braking_per_100km: 'Harsh braking events per 100 km',
  harsh_acceleration_per_100km: 'Harsh acceleration events per 100 km',
  harsh_cornering_per_100km: 'Harsh cornering events per 100 km',
  speeding_per_100km: 'Speeding episodes per 100 km',
  avg_speed_kmh: 'Average speed while driving (km/h)',
  max_speed_kmh: 'Highest speed reached (km/h)',
};

/** A driver's features as the model's input row, in `order` (the model card's feature order). */
export function featureVector(features: Features, order: readonly FeatureName[] = FEATURE_NAMES): number[] {
  return order.map((name) => features[name]);
}
