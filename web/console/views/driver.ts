import { ApiError } from '../api.js';
import { timeLine } from '../charts.js';
import { h, svg, table } from '../dom.js';
import { formatCount, formatDuration, formatFactor, formatInstant, formatKm, formatMoney, formatName, formatScore } from '../format.js';
import { projectRoute, svgPoints } from '../route-shape.js';
import type { DriverDetail, Premium, RiskHistoryPage, RiskReason, RiskScore, TripPage, TripWithEvents } from '../types.js';
import type { ViewContext } from './context.js';
import { section } from './section.js';

const RECENT_TRIPS = 5;
const ROUTE_BOX = { width: 280, height: 180, padding: 10 };

/** One driver: profile, current score and its history, premium with reasons, recent trips drawn as routes. */
export function renderDriver(context: ViewContext, driverId: number): void {
  const { api, root } = context;
  const base = `/api/v1/drivers/${driverId}`;
  const title = h('h1', {}, `Driver ${driverId}`);

  root.replaceChildren(
    h('div', { class: 'view-header' }, title, h('a', { href: '#/drivers' }, 'All drivers')),
    section('profile', 'Profile', async () => {
      const driver = await api.get<DriverDetail>(base);
      title.textContent = driver.name;
      return table(
        ['licence', 'email', 'login', 'status', 'vehicles', 'policies'],
        [[
          driver.license_number,
          driver.email,
          driver.username ?? '–',
          driver.active ? 'active' : 'inactive',
          driver.vehicles.map((v) => `${v.year} ${v.make} ${v.model}`).join(', ') || '–',
          driver.policies.map((p) => `${p.policy_number} (${p.status}, base ${formatMoney(p.base_premium)})`).join(', ') || '–',
        ]],
      );
    }),
    h(
      'div',
      { class: 'grid' },
      section('risk', 'Risk score', async () => {
        const [current, history] = await Promise.all([
          notYet(api.get<RiskScore>(`${base}/risk`), 'risk_score_not_found'),
          api.get<RiskHistoryPage>(`${base}/risk/history`, { limit: 100 }),
        ]);
        if (current === null) return h('p', { class: 'muted' }, 'Not scored yet: scoring runs hourly.');
        const chart = h('div', { class: 'chart', 'data-chart': 'score-history' });
        const points = [...history.items].reverse();
        timeLine(chart, points.map((p) => p.scored_at), { label: 'score', values: points.map((p) => p.score) }, [0, 100]);
        return [
          h('p', { class: 'score', 'data-score': current.score }, h('strong', {}, formatScore(current.score)), ` ${current.risk_band} · ${current.model_version} · ${formatInstant(current.scored_at)}`),
          reasonsList(current.reasons),
          chart,
        ];
      }),
      section('premium', 'Premium', async () => {
        const premium = await notYet(api.get<Premium>(`${base}/premium`), 'premium_not_found');
        if (premium === null) return h('p', { class: 'muted' }, 'Not priced yet: pricing follows each scoring run.');
        const { breakdown } = premium;
        return [
          h('p', { class: 'premium', 'data-premium': premium.final_amount }, h('strong', {}, formatMoney(premium.final_amount)), ' a month'),
          table(
            ['base', 'risk factor', 'usage factor', 'final'],
            [[formatMoney(breakdown.base_amount), formatFactor(breakdown.risk_factor), formatFactor(breakdown.usage_factor), formatMoney(premium.final_amount)]],
            { 'data-table': 'premium-breakdown' },
          ),
          h('p', { class: 'muted' }, `From score ${formatScore(premium.risk.score)}, computed ${formatInstant(premium.computed_at)}. Why:`),
          reasonsList(premium.risk.reasons),
        ];
      }),
    ),
    section('trips', 'Recent trips', async () => {
      const trips = await api.get<TripPage>(`${base}/trips`, { limit: RECENT_TRIPS });
      if (trips.items.length === 0) return h('p', { class: 'muted' }, 'No trips yet.');
      const details = await Promise.all(trips.items.map((trip) => api.get<TripWithEvents>(`/api/v1/trips/${trip.id}`)));
      return h('div', { class: 'routes' }, ...details.map(routeCard));
    }),
  );
}

/** The answer, or null when the API says the thing does not exist yet (`code`). */
async function notYet<T>(request: Promise<T>, code: string): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ApiError && error.code === code) return null;
    throw error;
  }
}

function reasonsList(reasons: readonly RiskReason[]): HTMLElement {
  if (reasons.length === 0) return h('p', { class: 'muted' }, 'No feature raised the score above the average driver.');
  return h(
    'ol',
    { class: 'reasons' },
    ...reasons.map((r) => h('li', {}, h('strong', {}, r.description), ` (${formatName(r.feature)} ${r.value.toFixed(2)}, +${r.contribution.toFixed(2)} log-odds)`)),
  );
}

function routeCard({ trip, events, events_truncated }: TripWithEvents): HTMLElement {
  const points = projectRoute(events, ROUTE_BOX);
  const drawing = svg('svg', { viewBox: `0 0 ${ROUTE_BOX.width} ${ROUTE_BOX.height}`, class: 'route', role: 'img', 'aria-label': `Route of trip ${trip.id}` });
  const first = points[0];
  const last = points.at(-1);
  if (points.length > 0) drawing.append(svg('polyline', { points: svgPoints(points), class: 'route-line', 'data-trip-id': trip.id }));
  if (first) drawing.append(svg('circle', { cx: first.x.toFixed(1), cy: first.y.toFixed(1), r: 4, class: 'route-start' }));
  if (last && points.length > 1) drawing.append(svg('circle', { cx: last.x.toFixed(1), cy: last.y.toFixed(1), r: 4, class: 'route-end' }));
  const harsh = trip.harsh_braking_count + trip.harsh_acceleration_count + trip.harsh_cornering_count + trip.speeding_count;
  return h(
    'figure',
    { class: 'route-card', 'data-trip-id': trip.id },
    points.length > 0 ? drawing : h('p', { class: 'muted' }, 'No positions recorded.'),
    h(
      'figcaption',
      {},
      h('strong', {}, formatInstant(trip.started_at)),
      ` · ${formatKm(trip.distance_km)} · ${formatDuration(trip.duration_s)} · safety events: ${formatCount(harsh)}`,
      trip.ended_at === null ? ' · on the road' : '',
      events_truncated ? ' · route shortened to the first events' : '',
    ),
  );
}
