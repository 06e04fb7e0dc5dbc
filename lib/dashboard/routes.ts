import { defineRoute } from '../router/index.js';
import { dashboardSummary, riskDistribution, safetyEvents, safetyEventsQuery, summaryQuery, tripActivity, tripActivityQuery } from './schemas.js';

const cached = 'Figures may be up to a minute old (cached).';

/** The admin dashboard routes (SPEC 4), served by functions/dashboard and documented by lib/openapi. */
export const dashboardApi = {
  summary: defineRoute({
    method: 'GET', path: '/api/v1/admin/dashboard/summary', operationId: 'getDashboardSummary', tag: 'dashboard', auth: 'admin',
    summary: 'Fleet summary: drivers, vehicles, policies, active trips, and activity over a period', description: cached,
    request: { query: summaryQuery },
    response: { status: 200, description: 'The fleet summary', schema: dashboardSummary },
  }),
  tripActivity: defineRoute({
    method: 'GET', path: '/api/v1/admin/dashboard/trip-activity', operationId: 'getTripActivity', tag: 'dashboard', auth: 'admin',
    summary: 'Trips, drivers and distance per UTC day (every day of the period listed)', description: cached,
    request: { query: tripActivityQuery },
    response: { status: 200, description: 'Activity per day', schema: tripActivity },
  }),
  riskDistribution: defineRoute({
    method: 'GET', path: '/api/v1/admin/dashboard/risk-distribution', operationId: 'getRiskDistribution', tag: 'dashboard', auth: 'admin',
    summary: "Distribution of every driver's latest score, in buckets and bands", description: cached,
    response: { status: 200, description: 'The distribution', schema: riskDistribution },
  }),
  safetyEvents: defineRoute({
    method: 'GET', path: '/api/v1/admin/dashboard/safety-events', operationId: 'getSafetyEvents', tag: 'dashboard', auth: 'admin',
    summary: 'Safety events by type over a period', description: cached,
    request: { query: safetyEventsQuery },
    response: { status: 200, description: 'The breakdown', schema: safetyEvents },
  }),
};
