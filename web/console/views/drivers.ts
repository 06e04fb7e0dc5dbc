import { h, table } from '../dom.js';
import { formatScore } from '../format.js';
import type { DriverPage } from '../types.js';
import type { ViewContext } from './context.js';
import { section } from './section.js';

const PAGE_SIZE = 25;

/** Drivers by risk score, highest first, with a name filter; each opens the driver page. */
export function renderDrivers(context: ViewContext, params: URLSearchParams): void {
  const { api, root } = context;
  const name = params.get('name') ?? '';
  const page = Math.max(1, Number(params.get('page') ?? '1') || 1);
  const go = (next: { name?: string; page?: number }) => {
    const search = new URLSearchParams();
    const nextName = next.name ?? name;
    if (nextName) search.set('name', nextName);
    search.set('page', String(next.page ?? 1));
    location.hash = `#/drivers?${search.toString()}`;
  };
  const filter = h('input', { type: 'search', id: 'driver-filter', placeholder: 'Name starts with...', value: name });
  const form = h(
    'form',
    { class: 'inline-form', onsubmit: (event: Event) => (event.preventDefault(), go({ name: filter.value.trim(), page: 1 })) },
    filter,
    h('button', { type: 'submit' }, 'Filter'),
  );

  root.replaceChildren(
    h('div', { class: 'view-header' }, h('h1', {}, 'Drivers'), form),
    section('drivers', 'By risk score', async () => {
      const result = await api.get<DriverPage>('/api/v1/drivers', {
        sort: 'risk_score', page, page_size: PAGE_SIZE, ...(name ? { name } : {}),
      });
      return [
        table(
          ['driver', 'licence', 'score', 'band'],
          result.items.map((d) => [h('a', { href: `#/drivers/${d.id}`, 'data-driver-id': d.id }, d.name), d.license_number, formatScore(d.risk_score), d.risk_band ?? '–']),
          { 'data-table': 'drivers' },
        ),
        h(
          'p',
          { class: 'pager' },
          h('button', { type: 'button', disabled: page <= 1, onclick: () => go({ page: page - 1 }) }, 'Previous'),
          ` page ${result.page} of ${Math.max(result.total_pages, 1)} (${result.total} drivers) `,
          h('button', { type: 'button', disabled: page >= result.total_pages, onclick: () => go({ page: page + 1 }) }, 'Next'),
        ),
      ];
    }),
  );
}
