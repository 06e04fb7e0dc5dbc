import { h, table } from '../dom.js';
import { formatCount } from '../format.js';
import type { CacheStats, InvalidateResult } from '../types.js';
import type { ViewContext } from './context.js';
import { problem, section } from './section.js';

/** The caches' fleet-wide counters, and invalidation of a group or a key in every instance. */
export function renderCache(context: ViewContext): void {
  const { api, root } = context;
  const statsSlot = h('div');
  const loadStats = () =>
    statsSlot.replaceChildren(
      section('cache-stats', 'Counters', async () => {
        const stats = await api.get<CacheStats>('/api/v1/admin/cache/stats');
        const names = Object.keys(stats.caches).sort();
        return [
          h('p', { class: 'muted' }, `breaker ${stats.breaker} · invalidation bus ${stats.bus} · ${formatCount(stats.pending_invalidations)} invalidations pending`),
          table(
            ['cache', 'L1 hits', 'L2 hits', 'misses', 'hit ratio', 'loads', 'invalidations', 'errors'],
            names.flatMap((name) => {
              const c = stats.caches[name];
              if (!c) return [];
              const ratio = c.hit_ratio === null ? '–' : `${(c.hit_ratio * 100).toFixed(1)} %`;
              return [[name, formatCount(c.l1_hits), formatCount(c.l2_hits), formatCount(c.misses), ratio, formatCount(c.loads), formatCount(c.invalidations), formatCount(c.errors)]];
            }),
            { 'data-table': 'cache-stats' },
          ),
        ];
      }),
    );

  const kind = h('select', { id: 'invalidate-kind', 'aria-label': 'What to invalidate' }, h('option', { value: 'group' }, 'a group'), h('option', { value: 'key' }, 'one key'));
  const group = h('input', { id: 'invalidate-group', placeholder: 'driver:42, dashboard, ...' });
  const cacheName = h('input', { id: 'invalidate-cache', placeholder: 'cache, e.g. drivers', hidden: true });
  const key = h('input', { id: 'invalidate-key', placeholder: 'key', hidden: true });
  const outcome = h('div', { id: 'invalidate-outcome', 'aria-live': 'polite' });
  kind.addEventListener('change', () => {
    const byKey = kind.value === 'key';
    group.hidden = byKey;
    cacheName.hidden = !byKey;
    key.hidden = !byKey;
  });
  const form = h(
    'form',
    {
      class: 'inline-form',
      onsubmit: (event: Event) => {
        event.preventDefault();
        const body = kind.value === 'key' ? { cache: cacheName.value.trim(), key: key.value } : { group: group.value.trim() };
        api.post<InvalidateResult>('/api/v1/admin/cache/invalidate', body).then(
          (result) => {
            const what = 'group' in result.invalidated ? `group ${result.invalidated.group}` : `${result.invalidated.cache} key ${result.invalidated.key}`;
            outcome.replaceChildren(h('p', { class: 'ok' }, `Invalidated ${what}${result.propagated ? ' in every instance' : ' here; the other instances follow when Redis is back'}.`));
            loadStats();
          },
          (error: unknown) => outcome.replaceChildren(problem(error)),
        );
      },
    },
    'Invalidate ',
    kind,
    group,
    cacheName,
    key,
    h('button', { type: 'submit' }, 'Invalidate'),
  );

  root.replaceChildren(
    h('div', { class: 'view-header' }, h('h1', {}, 'Cache'), h('button', { type: 'button', onclick: loadStats }, 'Refresh')),
    statsSlot,
    h('section', { class: 'panel', 'data-section': 'invalidate' }, h('h2', {}, 'Invalidate'), form, outcome),
  );
  loadStats();
}
