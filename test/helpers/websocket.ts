import WebSocket from 'ws';

/**
 * A WebSocket client for tests of the push API (the `ws` package): opens a connection, keeps every
 * message it receives with the time it arrived, and waits for the next one that matches.
 */

export interface Received {
  message: Record<string, unknown>;
  /** performance.now() when it arrived. */
  at: number;
}

export interface TestSocket {
  ws: WebSocket;
  received: Received[];
  /** The first message (already received or still to come) matching `match`; rejects after `timeoutMs`. */
  next(match: (message: Record<string, unknown>) => boolean, timeoutMs: number): Promise<Received>;
  send(message: unknown): void;
  close(): Promise<void>;
}

/** Connects; rejects with the HTTP status of a refused upgrade (`refused 401`). */
export function openSocket(url: string, headers: Record<string, string> = {}): Promise<TestSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const received: Received[] = [];
    const waiters = new Set<{ match: (m: Record<string, unknown>) => boolean; resolve: (r: Received) => void }>();
    ws.on('message', (data) => {
      const entry = { message: JSON.parse((data as Buffer).toString('utf8')) as Record<string, unknown>, at: performance.now() };
      received.push(entry);
      for (const waiter of waiters) {
        if (waiter.match(entry.message)) {
          waiters.delete(waiter);
          waiter.resolve(entry);
        }
      }
    });
    ws.once('unexpected-response', (_request, response) => reject(new Error(`refused ${response.statusCode}`)));
    ws.once('error', reject);
    ws.once('open', () =>
      resolve({
        ws,
        received,
        next(match, timeoutMs) {
          const already = received.find((r) => match(r.message));
          if (already) return Promise.resolve(already);
          return new Promise((resolveNext, rejectNext) => {
            const waiter = { match, resolve: (r: Received) => (clearTimeout(timer), resolveNext(r)) };
            const timer = setTimeout(() => {
              waiters.delete(waiter);
              rejectNext(new Error(`no matching message within ${timeoutMs} ms; received: ${JSON.stringify(received.map((r) => r.message))}`));
            }, timeoutMs);
            waiters.add(waiter);
          });
        },
        send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
        close: () =>
          new Promise<void>((done) => {
            if (ws.readyState === WebSocket.CLOSED) return done();
            ws.once('close', () => done());
            ws.close();
          }),
      }),
    );
  });
}

export const isType = (type: string) => (message: Record<string, unknown>) => message.type === type;
