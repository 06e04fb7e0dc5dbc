import { categoryBars, dailyBars } from '../charts.js';
import { h, table, tile } from '../dom.js';
import { formatCount, formatInstant, formatKm, formatName, formatScore } from '../format.js';
import { fleetPeriod, PERIOD_DAYS } from '../period.js';
import type { DashboardSummary, RiskDistribution, SafetyEvents, TripActivity } from '../types.js';
import type { ViewContext } from './context.js';
import { section } from './section.js';

export function renderFleet(context: ViewContext, days: number): void {
  const { api, root } = context;
  const period = fleetPeriod(days);
  const picker = h(
    'select',
    { id: 'period', 'aria-label': 'Period', onchange: (event: Event) => (location.hash = `#/fleet?days=${(event.target as HTMLSelectElement).value}`) },
    ...PERIOD_DAYS.map((d) => h('option', { value: d, selected: d === days }, d === 1 ? 'Last 24 hours' : `Last ${d} days`)),
  );

  root.replaceChildren(
    h('div', { class: 'view-header' }, h('h1', {}, 'Fleet'), picker),
    section('summary', 'Summary', async () => {
      const s = await api.get<DashboardSummary>('/api/v1/admin/dashboard/summary', period);
      return [
        h('p', { class: 'muted', 'data-period-from': s.from, 'data-period-to': s.to }, `${formatInstant(s.from)} to ${formatInstant(s.to)}`),
        h(
          'div',
          { class: 'tiles' },
          tile('drivers_active', 'Active drivers', s.drivers_active, `${formatCount(s.drivers_active)} of ${formatCount(s.drivers_total)}`),
          tile('vehicles', 'Vehicles', s.vehicles, formatCount(s.vehicles)),
          tile('policies_active', 'Active policies', s.policies_active, formatCount(s.policies_active)),
          tile('trips_active', 'Trips on the road', s.trips_active, formatCount(s.trips_active)),
          tile('trips', 'Trips in the period', s.trips, formatCount(s.trips)),
          tile('drivers_driving', 'Drivers who drove', s.drivers_driving, formatCount(s.drivers_driving)),
          tile('distance_km', 'Distance', s.distance_km, formatKm(s.distance_km)),
          tile('events', 'Events', s.events, formatCount(s.events)),
          tile('avg_risk_score', 'Mean risk score', s.avg_risk_score, formatScore(s.avg_risk_score)),
          tile('scored_drivers', 'Scored drivers', s.scored_drivers, formatCount(s.scored_drivers)),
        ),
      ];
    }),
    h(
      'div',
      { class: 'grid' },
      section('trip-activity', 'Trips per day', async () => {
        const activity = await api.get<TripActivity>('/api/v1/admin/dashboard/trip-activity', { days: Math.max(days, 7) });
        const chart = h('div', { class: 'chart', 'data-chart': 'trip-activity' });
        dailyBars(chart, activity.days.map((d) => d.day), { label: 'trips', values: activity.days.map((d) => d.trips) });
        return chart;
      }),
      section('risk-distribution', 'Risk distribution', async () => {
        const distribution = await api.get<RiskDistribution>('/api/v1/admin/dashboard/risk-distribution');
        const chart = h('div', { class: 'chart', 'data-chart': 'risk-distribution' });
        categoryBars(chart, distribution.buckets.map((b) => `${b.from_score}`), { label: 'drivers', values: distribution.buckets.map((b) => b.drivers), color: '#9333ea' });
        return [
          chart,
          h('p', { class: 'muted' }, `${formatCount(distribution.scored_drivers)} scored drivers: `, distribution.bands.map((b) => `${b.band} ${formatCount(b.drivers)}`).join(', ')),
        ];
      }),
      section('safety-events', 'Safety events', async () => {
        const safety = await api.get<SafetyEvents>('/api/v1/admin/dashboard/safety-events', period);
        return [
          table(
            ['type', 'events', 'drivers'],
            safety.types.map((t) => [formatName(t.event_type), formatCount(t.events), formatCount(t.drivers)]),
            { 'data-table': 'safety-events', 'data-total': safety.events },
          ),
          h('p', { class: 'muted' }, `${formatCount(safety.events)} safety events in the period`),
        ];
      }),
    ),
  );
}
