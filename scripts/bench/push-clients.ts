/**
 * The subscribers of `npm run bench:push`, in a worker thread of their own (their own event loop,
 * as browsers elsewhere would be): opens `count` WebSocket connections with the token, subscribes
 * each to its topic, then reports every pushed message's receipt time (epoch ms, sub-millisecond,
 * comparable with the publisher's clock) by its `seq`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';

interface Setup {
  url: string;
  /** One topic per connection. */
  topics: string[];
  /** $connect and subscribe are function invocations in offline: this many at a time. */
  parallel: number;
}

export type FromClients = { kind: 'ready' } | { kind: 'received'; seq: number; at: number } | { kind: 'error'; message: string };

const { url, topics, parallel } = workerData as Setup;
const port = parentPort;
if (!port) throw new Error('push-clients runs as a worker thread');
const now = () => performance.timeOrigin + performance.now();

function open(index: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`connection refused: ${res.statusCode}`)));
    ws.once('open', () => {
      ws.once('message', (data) => {
        const reply = JSON.parse((data as Buffer).toString('utf8')) as { type: string };
        if (reply.type !== 'subscribed') return reject(new Error(`subscribe answered ${JSON.stringify(reply)}`));
        ws.on('message', (pushed) => {
          const at = now();
          const message = JSON.parse((pushed as Buffer).toString('utf8')) as { data: { seq: number } };
          port?.postMessage({ kind: 'received', seq: message.data.seq, at } satisfies FromClients);
        });
        resolve(ws);
      });
      ws.send(JSON.stringify({ action: 'subscribe', topics: [topics[index]] }));
    });
  });
}

const sockets: WebSocket[] = [];
try {
  for (let from = 0; from < topics.length; from += parallel) {
    const batch = await Promise.all(topics.slice(from, from + parallel).map((_, i) => open(from + i)));
    sockets.push(...batch);
  }
  port.postMessage({ kind: 'ready' } satisfies FromClients);
} catch (error) {
  port.postMessage({ kind: 'error', message: (error as Error).message } satisfies FromClients);
}
port.on('message', (message: string) => {
  if (message !== 'close') return;
  // Closing every socket at once would start as many $disconnect invocations; terminate quietly instead.
  for (const ws of sockets) ws.terminate();
  port.close();
});
