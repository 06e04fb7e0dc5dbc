import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { beforeEach } from 'vitest';
import { freePorts } from '../helpers/net.js';

/**
 * Runs `serverless offline` as a child process for end-to-end tests, on free ports so it never
 * collides with a developer's `npm run dev` (3000/3002), in its own process group so stopping it
 * leaves nothing behind.
 */

export const ROOT = path.resolve(import.meta.dirname, '../..');
/** The project's pinned Node and the osls entry point, so the test does not depend on PATH. */
export const NODE = path.join(ROOT, 'node_modules/.bin/node');
export const SERVERLESS = path.join(ROOT, 'node_modules/osls/bin/serverless.js');

export interface OfflineServer {
  /** Base URL of the HTTP API, e.g. http://localhost:41234 */
  httpUrl: string;
  /** Base URL of the Lambda Invoke API, e.g. http://localhost:41235 */
  lambdaUrl: string;
  /** The WebSocket API, e.g. ws://localhost:41236; its Management API is the same port over http (PUSH_ENDPOINT). */
  websocketUrl: string;
  pushEndpoint: string;
  stage: string;
  /** Leader of the offline process group. */
  pid: number;
  /** Everything the process wrote so far, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  stage?: string;
  env?: Record<string, string>;
  /** More `offline start` options, e.g. `--useInProcess`. */
  args?: readonly string[];
  readyTimeoutMs?: number;
}

/** Starts offline and resolves once its HTTP port answers; rejects (and cleans up) if it exits or times out first. */
export async function startOffline(options: StartOptions = {}): Promise<OfflineServer> {
  const stage = options.stage ?? 'test';
  const [httpPort, lambdaPort, websocketPort] = await freePorts(3);
  const pushEndpoint = `http://localhost:${websocketPort}`;
  const child = spawn(
    NODE,
    [SERVERLESS, 'offline', 'start', '--stage', stage, '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort), '--websocketPort', String(websocketPort), ...(options.args ?? [])],
    {
      cwd: ROOT,
      // Functions that publish (lib/push) post to this offline's own WebSocket API.
      env: { ...process.env, STAGE: stage, PUSH_ENDPOINT: pushEndpoint, ...options.env },
      detached: true, // its own process group: stop() signals the group
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (child.pid === undefined) throw new Error('could not start serverless offline');
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const server: OfflineServer = {
    httpUrl: `http://localhost:${httpPort}`,
    lambdaUrl: `http://localhost:${lambdaPort}`,
    websocketUrl: `ws://localhost:${websocketPort}`,
    pushEndpoint,
    stage,
    pid: child.pid,
    output: () => output,
    stop: () => stopGroup(child),
  };
  try {
    await waitUntilAnswering(server.httpUrl, child, options.readyTimeoutMs ?? 120_000);
  } catch (error) {
    await server.stop();
    throw new Error(`${(error as Error).message}\n--- serverless offline output ---\n${output}`, { cause: error });
  }
  return server;
}

async function waitUntilAnswering(baseUrl: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`serverless offline exited early (${child.exitCode ?? child.signalCode})`);
    }
    try {
      // Any HTTP answer means the server listens; a route offline does not know answers 404.
      await fetch(`${baseUrl}/__ready`, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await sleep(250);
    }
  }
  throw new Error(`serverless offline did not answer within ${timeoutMs} ms`);
}

/** SIGTERM to the whole group (offline shuts down its workers), SIGKILL if it is still there after 10 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  signalGroup(pid, 'SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!stopped) {
    signalGroup(pid, 'SIGKILL');
    await exited;
  }
  // The leader is gone; make sure no other member of its group (esbuild's service process)
  // survived it, and wait until the last one has been reaped.
  signalGroup(pid, 'SIGKILL');
  for (let attempt = 0; attempt < 50 && groupAlive(pid); attempt += 1) await sleep(100);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** True while any process of the group still exists. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The most of offline's output a failed test prints: the tail holds the invocations around the failure. */
const FAILURE_OUTPUT_CHARS = 12_000;

/**
 * Prints what offline wrote during a test when that test fails (timeouts, a handler's error, the
 * worker that crashed), which its own assertion cannot show: a CI log then says why. Call at the top
 * of a file that starts offline in `beforeAll`.
 */
export function printOfflineOutputOnFailure(server: () => OfflineServer | undefined): void {
  beforeEach(({ onTestFailed, task }) => {
    const from = server()?.output().length ?? 0;
    onTestFailed(() => {
      const during = server()?.output().slice(from) ?? '';
      if (during.length === 0) return;
      const shown = during.length > FAILURE_OUTPUT_CHARS ? `[…${during.length - FAILURE_OUTPUT_CHARS} characters before]\n${during.slice(-FAILURE_OUTPUT_CHARS)}` : during;
      process.stderr.write(`\n--- serverless offline output during "${task.name}" ---\n${shown}\n--- end of offline output ---\n`);
    });
  });
}

