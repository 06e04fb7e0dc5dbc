import './style.css';
import { Api, loadSession, saveSession, type Session } from './api.js';
import { h } from './dom.js';
import { LiveFeed } from './live-feed.js';
import { renderCache } from './views/cache.js';
import type { ViewContext } from './views/context.js';
import { renderDriver } from './views/driver.js';
import { renderDrivers } from './views/drivers.js';
import { periodDays } from './period.js';
import { renderFleet } from './views/fleet.js';
import { renderLive } from './views/live.js';
import { renderLogin } from './views/login.js';

/**
 * The operations console: sign in, then views by hash route (#/fleet, #/drivers, #/drivers/42,
 * #/cache, #/live). Reads only the documented HTTP API and the push WebSocket, whose URL the page
 * names in a meta tag (the server's configuration).
 */

const app = document.getElementById('app') as HTMLElement;
const pushUrl = document.querySelector<HTMLMetaElement>('meta[name="telematics-push-url"]')?.content ?? '';
const api = new Api();
const feed = new LiveFeed(pushUrl);
let session: Session | null = loadSession();
let cleanups: (() => void)[] = [];

const NAV = [
  ['#/fleet', 'Fleet'],
  ['#/drivers', 'Drivers'],
  ['#/live', 'Live'],
  ['#/cache', 'Cache'],
] as const;

function signIn(next: Session): void {
  session = next;
  saveSession(next);
  api.setToken(next.token);
  feed.start(next.token);
  if (!location.hash || location.hash === '#/login') location.hash = '#/fleet';
  else route();
}

function signOut(): void {
  session = null;
  saveSession(null);
  api.setToken(null);
  feed.stop();
  route();
}

api.onUnauthorized = signOut;

function route(): void {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
  if (session === null) {
    renderLogin(app, api, signIn);
    return;
  }
  const [path = '', query = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  const view = h('div', { class: 'view' });
  const nav = h(
    'nav',
    {},
    ...NAV.map(([href, label]) => h('a', { href, class: path.startsWith(href.slice(1)) ? 'active' : undefined }, label)),
    h('span', { class: 'who' }, session.username),
    h('button', { type: 'button', id: 'sign-out', onclick: signOut }, 'Sign out'),
  );
  app.replaceChildren(nav, view);
  const context: ViewContext = { api, feed, root: view, onLeave: (cleanup) => cleanups.push(cleanup) };
  const driver = /^\/drivers\/(\d+)$/.exec(path);
  if (driver) renderDriver(context, Number(driver[1]));
  else if (path === '/drivers') renderDrivers(context, params);
  else if (path === '/cache') renderCache(context);
  else if (path === '/live') renderLive(context);
  else renderFleet(context, periodDays(params.get('days')));
}

window.addEventListener('hashchange', route);
if (session !== null) {
  api.setToken(session.token);
  feed.start(session.token);
}
route();
