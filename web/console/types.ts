/**
 * The API's answers as the console reads them: the types of the zod schemas the handlers answer
 * with and the OpenAPI document is generated from (lib/<domain>/schemas.ts), so the page cannot
 * drift from the API. Type-only imports: nothing of lib/ reaches the bundle.
 */

/** lib/auth/routes.ts `loginResult` (not imported: lib/auth's token code does not compile against the DOM's types). */
export interface LoginResult {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  role: 'admin' | 'driver';
  driver_id: number | null;
}
export type { CacheStats, InvalidateResult } from '../../lib/cache-admin/schemas.js';
export type { DashboardSummary, RiskDistribution, SafetyEvents, TripActivity } from '../../lib/dashboard/schemas.js';
export type { DriverDetail, DriverPage } from '../../lib/drivers/schemas.js';
export type { Premium } from '../../lib/premiums/schemas.js';
export type { RiskHistoryPage, RiskScore } from '../../lib/risk/schemas.js';
export type { Trip, TripPage, TripWithEvents } from '../../lib/trips/schemas.js';
export type { RiskReason } from '../../lib/vocabulary/index.js';
