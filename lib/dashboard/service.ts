import { resolvePeriod, type Period } from '../validation/period.js';
import { RISK_BANDS, SAFETY_EVENT_TYPES } from '../vocabulary/index.js';
import { DASHBOARD_GROUP, dashboardCache } from './cache.js';
import { getDailyActivity, getDashboardSummary, getRiskDistribution, getSafetyEventsBreakdown } from './queries.js';
import type { DashboardSummary, PeriodQuery, RiskDistribution, SafetyEvents, TripActivity, TripActivityQuery } from './schemas.js';

/**
 * Admin dashboard use cases. Every figure is cached for about a minute fleet-wide (SPEC 5): under
 * ingestion the numbers move every second, and a dashboard polled by many admins must not query
 * the fleet each time. Default periods end at an hour (or day) boundary so that repeated requests
 * name the same period and share one entry.
 */

const DAY_MS = 86_400_000;

const iso = (text: string): string => new Date(text).toISOString();
const groups = [DASHBOARD_GROUP];

function periodKey(name: string, period: Period): string {
  return `${name}:${period.from}:${period.to}`;
}

export function getSummary(query: PeriodQuery): Promise<DashboardSummary> {
  const period = resolvePeriod(query, { defaultDays: 1 });
  return dashboardCache.getOrLoad(
    periodKey('summary', period),
    async () => ({ from: iso(period.from), to: iso(period.to), ...(await getDashboardSummary(period)) }),
    { groups },
  );
}

export function getTripActivity(query: TripActivityQuery): Promise<TripActivity> {
  // Whole UTC days: `to` is a midnight (tomorrow's by default), the period the `days` before it.
  const toMs = query.to ? Date.parse(`${query.to}T00:00:00Z`) : Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS;
  const period = { from: new Date(toMs - query.days * DAY_MS).toISOString(), to: new Date(toMs).toISOString() };
  return dashboardCache.getOrLoad(
    periodKey('trip-activity', period),
    async () => ({ from: iso(period.from), to: iso(period.to), days: await getDailyActivity(period) }),
    { groups },
  );
}

export function getRiskDistributionFigures(): Promise<RiskDistribution> {
  return dashboardCache.getOrLoad(
    'risk-distribution',
    async () => {
      const buckets = await getRiskDistribution();
      // Bands are unions of whole buckets (their bounds are multiples of ten).
      const bands = RISK_BANDS.map(({ band, from, to }) => ({
        band,
        drivers: buckets.filter((b) => b.from_score >= from && b.from_score < to).reduce((sum, b) => sum + b.drivers, 0),
      }));
      return { scored_drivers: buckets.reduce((sum, b) => sum + b.drivers, 0), buckets, bands };
    },
    { groups },
  );
}

export function getSafetyEvents(query: PeriodQuery): Promise<SafetyEvents> {
  const period = resolvePeriod(query, { defaultDays: 7 });
  return dashboardCache.getOrLoad(
    periodKey('safety-events', period),
    async () => {
      const rows = await getSafetyEventsBreakdown(period);
      const types = SAFETY_EVENT_TYPES.map((type) => rows.find((row) => row.event_type === type) ?? { event_type: type, events: 0, drivers: 0 });
      return { from: iso(period.from), to: iso(period.to), events: types.reduce((sum, t) => sum + t.events, 0), types };
    },
    { groups },
  );
}
