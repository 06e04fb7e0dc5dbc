import { ApiError } from '../api.js';
import { h } from '../dom.js';

/**
 * A titled section of a view that loads on its own: it shows "loading", then what `render`
 * returns, or the API's problem (code and message) without taking the rest of the view down.
 */
export function section(name: string, title: string, load: () => Promise<Node | Node[]>): HTMLElement {
  const body = h('div', { class: 'section-body' }, h('p', { class: 'muted' }, 'Loading...'));
  const element = h('section', { class: 'panel', 'data-section': name, 'data-state': 'loading' }, h('h2', {}, title), body);
  load().then(
    (content) => {
      body.replaceChildren(...(Array.isArray(content) ? content : [content]));
      element.dataset.state = 'ready';
    },
    (error: unknown) => {
      body.replaceChildren(problem(error));
      element.dataset.state = 'error';
    },
  );
  return element;
}

export function problem(error: unknown): HTMLElement {
  const text = error instanceof ApiError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);
  return h('p', { class: 'problem', role: 'alert' }, text);
}
