import type { Api } from '../api.js';
import type { LiveFeed } from '../live-feed.js';

/** What every view gets: the API client, the live feed, and the element to render into. */
export interface ViewContext {
  api: Api;
  feed: LiveFeed;
  root: HTMLElement;
  /** Registers cleanup for when the view is left (timers, listeners). */
  onLeave(cleanup: () => void): void;
}
