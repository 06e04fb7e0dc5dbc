import { applyPush, EMPTY_LIVE_STATE, readSocketMessage, type LiveState } from './live-state.js';

/**
 * The console's WebSocket to the push API: connects with the access token as `?token=`, subscribes
 * to the `fleet` topic, folds every message into the live state and reconnects (with backoff)
 * until stopped. Listeners get the state after each change.
 */

export type FeedStatus = 'connecting' | 'live' | 'closed' | 'refused';

const RETRY_MS = [1000, 2000, 5000, 10000];

export class LiveFeed {
  state: LiveState = EMPTY_LIVE_STATE;
  status: FeedStatus = 'closed';
  detail = '';
  private socket: WebSocket | null = null;
  private stopped = true;
  private attempt = 0;
  private retryTimer: number | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly url: string) {}

  start(token: string): void {
    this.stop();
    this.stopped = false;
    this.state = EMPTY_LIVE_STATE;
    this.connect(token);
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.retryTimer);
    this.socket?.close(1000, 'signed out');
    this.socket = null;
    this.setStatus('closed');
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private connect(token: string): void {
    this.setStatus('connecting');
    const socket = new WebSocket(`${this.url}?token=${encodeURIComponent(token)}`);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.attempt = 0;
      socket.send(JSON.stringify({ action: 'subscribe', topics: ['fleet'] }));
    });
    socket.addEventListener('message', (event: MessageEvent<string>) => {
      const read = readSocketMessage(event.data);
      if (read.kind === 'subscribed') return this.setStatus('live');
      if (read.kind === 'refused') return this.setStatus('refused', read.code);
      if (read.kind !== 'push') return;
      this.state = applyPush(this.state, read.message);
      this.notify();
    });
    socket.addEventListener('close', () => {
      if (this.socket !== socket || this.stopped) return;
      this.socket = null;
      this.setStatus('closed', 'reconnecting');
      const delay = RETRY_MS[Math.min(this.attempt, RETRY_MS.length - 1)] ?? 10000;
      this.attempt += 1;
      this.retryTimer = window.setTimeout(() => this.connect(token), delay);
    });
  }

  private setStatus(status: FeedStatus, detail = ''): void {
    this.status = status;
    this.detail = detail;
    this.notify();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}
