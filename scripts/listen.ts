/**
 * npm run listen -- [--topics fleet,driver:1] [--username admin --password admin123!] [--token <access token>]
 *                   [--api http://localhost:3000] [--ws ws://localhost:3001]
 *
 * A command-line subscriber of the WebSocket API (README "Real-time push"), as the console uses
 * it: logs in through the HTTP API (or takes a token), connects with `?token=`, subscribes to the
 * topics and prints every message as one JSON line until Ctrl-C. Uses Node's built-in WebSocket,
 * the browser's client.
 */
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    topics: { type: 'string', default: 'fleet' },
    username: { type: 'string', default: 'admin' },
    password: { type: 'string', default: 'admin123!' },
    token: { type: 'string' },
    api: { type: 'string', default: 'http://localhost:3000' },
    ws: { type: 'string', default: 'ws://localhost:3001' },
  },
});

async function login(): Promise<string> {
  const response = await fetch(`${values.api}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: values.username, password: values.password }),
  });
  const body = (await response.json()) as { access_token?: string; error?: { message: string } };
  if (!body.access_token) throw new Error(`login failed (${response.status}): ${body.error?.message ?? 'no token'}`);
  return body.access_token;
}

const token = values.token ?? (await login());
const socket = new WebSocket(`${values.ws}/?token=${encodeURIComponent(token)}`);
socket.addEventListener('open', () => {
  console.error(`connected to ${values.ws}; subscribing to ${values.topics}`);
  socket.send(JSON.stringify({ action: 'subscribe', topics: values.topics.split(',').map((t) => t.trim()).filter(Boolean) }));
});
socket.addEventListener('message', (event) => console.log(String(event.data)));
socket.addEventListener('error', () => console.error('connection failed: is `npm run dev` running, and is the token valid?'));
socket.addEventListener('close', (event) => {
  console.error(`closed (${event.code}${event.reason ? `: ${event.reason}` : ''})`);
  process.exit(event.code === 1000 ? 0 : 1);
});
process.on('SIGINT', () => socket.close(1000));
