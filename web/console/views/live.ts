import { h, table, tile } from '../dom.js';
import { formatCount, formatInstant, formatKm } from '../format.js';
import type { ViewContext } from './context.js';

const STATUS_TEXT = { connecting: 'connecting...', live: 'live', closed: 'disconnected', refused: 'refused' } as const;

/** The live panel: what the push API says about the fleet, as it arrives over the WebSocket. */
export function renderLive(context: ViewContext): void {
  const { feed, root } = context;
  const status = h('span', { class: 'status', 'data-live-status': feed.status });
  const figures = h('div', { class: 'tiles' });
  const lag = h('div');
  const trips = h('div');

  const update = () => {
    const s = feed.state;
    status.dataset.liveStatus = feed.status;
    status.textContent = `${STATUS_TEXT[feed.status]}${feed.detail ? ` (${feed.detail})` : ''}`;
    figures.replaceChildren(
      tile('live_events_per_second', 'Events per second', s.eventsPerSecond, s.eventsPerSecond === null ? '–' : formatCount(s.eventsPerSecond)),
      tile('live_events', 'Events since opened', s.events, formatCount(s.events)),
      tile('live_trips_started', 'Trips started', s.tripsStarted, formatCount(s.tripsStarted)),
      tile('live_trips_ended', 'Trips ended', s.tripsEnded, formatCount(s.tripsEnded)),
      tile('live_dead_lettered', 'Dead letters', s.deadLettered, formatCount(s.deadLettered)),
    );
    lag.replaceChildren(
      s.lag === null
        ? h('p', { class: 'muted' }, 'Consumer lag arrives with the next metrics run (each minute).')
        : h(
            'div',
            {},
            h('p', { class: 'muted' }, `group ${s.lag.groupId}: ${formatCount(s.lag.total)} records behind`),
            table(
              ['topic', 'partition', 'lag', 'seconds behind'],
              s.lag.partitions.map((p) => [p.topic, p.partition, formatCount(p.lag), p.lagSeconds === null ? '–' : p.lagSeconds.toFixed(1)]),
              { 'data-table': 'lag' },
            ),
          ),
    );
    trips.replaceChildren(
      s.trips.length === 0
        ? h('p', { class: 'muted' }, 'No trip has started or ended since the panel opened.')
        : table(
            ['trip', 'driver', 'started', 'ended', 'distance'],
            s.trips.map((t) => [
              t.tripId.slice(0, 8),
              h('a', { href: `#/drivers/${t.driverId}` }, String(t.driverId)),
              t.startedAt ? formatInstant(t.startedAt) : '–',
              t.endedAt ? formatInstant(t.endedAt) : 'on the road',
              t.distanceKm === null ? '–' : formatKm(t.distanceKm),
            ]),
            { 'data-table': 'live-trips' },
          ),
    );
  };

  root.replaceChildren(
    h('div', { class: 'view-header' }, h('h1', {}, 'Live'), status),
    h('section', { class: 'panel', 'data-section': 'live-figures' }, h('h2', {}, 'Ingestion'), figures),
    h('div', { class: 'grid' }, h('section', { class: 'panel', 'data-section': 'lag' }, h('h2', {}, 'Consumer lag per partition'), lag), h('section', { class: 'panel', 'data-section': 'live-trips' }, h('h2', {}, 'New trips'), trips)),
  );
  update();
  context.onLeave(feed.subscribe(update));
}
