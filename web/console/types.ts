/**
 * The parts of the API's answers the console reads, by their wire names. The OpenAPI document
 * (GET /openapi.json, generated from lib/<domain>/schemas.ts) is the contract; these mirror the
 * fields used here only.
 */

export interface LoginResult {
  access_token: string;
  expires_in: number;
  role: 'admin' | 'driver';
  driver_id: number | null;
}

export interface DashboardSummary {
  from: string;
  to: string;
  drivers_total: number;
  drivers_active: number;
  vehicles: number;
  policies_active: number;
  trips_active: number;
  trips: number;
  drivers_driving: number;
  distance_km: number;
  events: number;
  avg_risk_score: number | null;
  scored_drivers: number;
}

export interface TripActivity {
  from: string;
  to: string;
  days: { day: string; trips: number; drivers: number; distance_km: number; duration_s: number; night_distance_km: number }[];
}

export interface RiskDistribution {
  scored_drivers: number;
  buckets: { from_score: number; to_score: number; drivers: number }[];
  bands: { band: string; drivers: number }[];
}

export interface SafetyEvents {
  from: string;
  to: string;
  events: number;
  types: { event_type: string; events: number; drivers: number }[];
}

export type CacheCounters = Record<string, number | null>;

export interface CacheStats {
  caches: Record<string, CacheCounters>;
  breaker: string;
  bus: string;
  pending_invalidations: number;
}

export interface InvalidateResult {
  invalidated: { group: string } | { cache: string; key: string };
  propagated: boolean;
}

export interface DriverSummary {
  id: number;
  name: string;
  license_number: string;
  active: boolean;
  risk_score: number | null;
  risk_band: string | null;
}

export interface OffsetPage<T> {
  items: T[];
  total: number;
  page: number;
  total_pages: number;
}

export interface CursorPage<T> {
  items: T[];
  next_cursor: string | null;
}

export interface DriverDetail extends DriverSummary {
  email: string;
  username: string | null;
  vehicles: { id: number; make: string; model: string; year: number }[];
  policies: { id: number; policy_number: string; base_premium: number; status: string }[];
}

export interface RiskReason {
  feature: string;
  value: number;
  contribution: number;
  description: string;
}

export interface RiskScore {
  score: number;
  risk_band: string;
  scored_at: string;
  model_version: string;
  reasons: RiskReason[];
}

export interface Premium {
  computed_at: string;
  final_amount: number;
  breakdown: { base_amount: number; risk_factor: number; usage_factor: number };
  risk: { score: number | null; reasons: RiskReason[] };
}

export interface Trip {
  id: string;
  started_at: string;
  ended_at: string | null;
  distance_km: number;
  duration_s: number;
  event_count: number;
  harsh_braking_count: number;
  harsh_acceleration_count: number;
  harsh_cornering_count: number;
  speeding_count: number;
}

export interface TripWithEvents {
  trip: Trip;
  events: { event_type: string; lat: number | null; lon: number | null }[];
  events_truncated: boolean;
}
