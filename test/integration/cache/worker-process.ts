import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** Commands understood by worker.ts; `id` ties a reply to its command. */
export type WorkerCommand =
  /** `holdLoad`: the loader reports `{ event: 'loading', key }`, then waits for an item on this Redis list. */
  | { op: 'get'; id: number; cache: string; key: string; groups?: string[]; loadDelayMs?: number; holdLoad?: string }
  | { op: 'stampede'; id: number; cache: string; key: string; concurrency: number; barrier: string; loadDelayMs: number }
  | { op: 'stats'; id: number }
  | { op: 'exit'; id: number };

/** What the worker's loader returns. */
export interface LoadedValue {
  key: string;
  source: string | null;
  loadedBy: number;
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export interface WorkerEvent {
  event: string;
  [field: string]: unknown;
}

/** Redis key counting loader runs of a key across all processes. */
export const loadCounterKey = (cachePrefix: string, key: string): string => `${cachePrefix}:test:loads:${key}`;
/** Redis key standing in for the database row the loader reads. */
export const sourceKey = (cachePrefix: string, key: string): string => `${cachePrefix}:test:source:${key}`;

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
/** How long a worker may take to start (a cold tsx transform on a busy 2-core machine is slow). */
const READY_TIMEOUT_MS = 30_000;
/** How long `stop()` waits for the worker to exit on its own before killing it. */
const STOP_GRACE_MS = 5_000;

type Pending = { resolve: (reply: Record<string, unknown>) => void; reject: (error: Error) => void };

/** A worker.ts child process: another function instance with its own L1 and Redis connections. */
export class CacheWorker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly events: WorkerEvent[] = [];
  private readonly eventWaiters = new Set<() => void>();
  private exitReason: string | undefined;
  private readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise<void>((resolve) => {
      const onGone = (reason: string): void => {
        if (this.exitReason !== undefined) return;
        this.exitReason = reason;
        for (const { reject } of this.pending.values()) reject(new Error(`worker ${reason}`));
        this.pending.clear();
        for (const wake of this.eventWaiters) wake();
        resolve();
      };
      child.once('exit', (code, signal) => onGone(`exited (${signal ?? `code ${code}`})`));
      child.once('error', (error) => onGone(`failed to run: ${error.message}`));
    });
    // Writing to a worker that has just died fails with EPIPE; its pending requests are rejected on exit.
    child.stdin?.on('error', () => undefined);
    createInterface({ input: child.stdout! }).on('line', (line) => this.onLine(line));
  }

  /** Starts a worker process without waiting for it; call `ready()` before sending commands. */
  static spawn(env: Record<string, string>): CacheWorker {
    // `node --import tsx` rather than the tsx CLI: the CLI runs the script in a child process of
    // its own, which a SIGKILL of the CLI would leave running.
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'ERROR', ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    return new CacheWorker(child);
  }

  static async start(env: Record<string, string>, readyTimeoutMs = READY_TIMEOUT_MS): Promise<CacheWorker> {
    const worker = CacheWorker.spawn(env);
    await worker.ready(readyTimeoutMs);
    return worker;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitReason === undefined;
  }

  /** Resolves once the worker is listening; kills it if it does not get there within `timeoutMs`. */
  async ready(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    try {
      await this.waitForEvent((event) => event.event === 'ready', timeoutMs);
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  private onLine(line: string): void {
    if (!line.startsWith('@@')) return;
    const message = JSON.parse(line.slice(2)) as Record<string, unknown>;
    if (typeof message.id === 'number') {
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (typeof message.error === 'string') pending?.reject(new Error(message.error));
      else pending?.resolve(message);
      return;
    }
    this.events.push(message.ready ? { event: 'ready' } : (message as WorkerEvent));
    for (const wake of this.eventWaiters) wake();
  }

  request<T extends Record<string, unknown>>(command: WithoutId<WorkerCommand>): Promise<T> {
    if (this.exitReason !== undefined) return Promise.reject(new Error(`worker ${this.exitReason}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (reply: Record<string, unknown>) => void, reject });
      this.child.stdin!.write(`${JSON.stringify({ ...command, id })}\n`);
    });
  }

  async get(cache: string, key: string, options: { groups?: string[]; holdLoad?: string } = {}): Promise<LoadedValue> {
    const reply = await this.request<{ value: LoadedValue }>({ op: 'get', cache, key, ...options });
    return reply.value;
  }

  /**
   * Resolves with (and consumes) the first event matching `predicate`, waiting for it if needed.
   * Rejects after `timeoutMs`, or as soon as the worker exits without having sent it.
   */
  waitForEvent(predicate: (event: WorkerEvent) => boolean, timeoutMs = 10_000): Promise<WorkerEvent> {
    return new Promise<WorkerEvent>((resolve, reject) => {
      const settle = (outcome: () => void): void => {
        this.eventWaiters.delete(wake);
        clearTimeout(timer);
        outcome();
      };
      const check = (): boolean => {
        const index = this.events.findIndex(predicate);
        if (index >= 0) {
          const [event] = this.events.splice(index, 1);
          settle(() => resolve(event!));
          return true;
        }
        if (this.exitReason !== undefined) {
          settle(() => reject(new Error(`worker ${this.exitReason} before the awaited event`)));
          return true;
        }
        return false;
      };
      const wake = (): void => void check();
      const timer = setTimeout(() => settle(() => reject(new Error(`worker event not seen within ${timeoutMs} ms`))), timeoutMs);
      if (!check()) this.eventWaiters.add(wake);
    });
  }

  /** Asks the worker to exit; kills it if it has not exited after `graceMs`. Resolves once it is gone. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (!this.running) return;
    void this.request({ op: 'exit' }).catch(() => undefined);
    const exitedInTime = await Promise.race([this.exited.then(() => true), sleep(graceMs, false, { ref: false })]);
    if (!exitedInTime) await this.kill();
  }

  /** Kills the worker at once (SIGKILL) and resolves once it is gone. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}

/**
 * Waits until every worker is ready. If one of them fails to start, stops all the others too, so
 * a failed setup leaves no process behind, and rethrows the first failure.
 */
export async function allReady(workers: readonly CacheWorker[], timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  const outcomes = await Promise.allSettled(workers.map((worker) => worker.ready(timeoutMs)));
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (!failure) return;
  await Promise.all(workers.map((worker) => worker.stop()));
  throw failure.reason;
}
