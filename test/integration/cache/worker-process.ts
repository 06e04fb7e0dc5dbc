import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

/** Commands understood by worker.ts; `id` ties a reply to its command. */
export type WorkerCommand =
  | { op: 'get'; id: number; cache: string; key: string; groups?: string[]; loadDelayMs?: number }
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

type Pending = { resolve: (reply: Record<string, unknown>) => void; reject: (error: Error) => void };

/** A worker.ts child process: another function instance with its own L1 and Redis connections. */
export class CacheWorker {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly events: WorkerEvent[] = [];
  private readonly eventWaiters = new Set<() => void>();

  private constructor(private readonly child: ChildProcess) {}

  static async start(env: Record<string, string>): Promise<CacheWorker> {
    const child = spawn(`${ROOT}node_modules/.bin/tsx`, [WORKER], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'ERROR', ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const worker = new CacheWorker(child);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => worker.onLine(line));
    child.on('exit', () => {
      for (const { reject } of worker.pending.values()) reject(new Error('worker exited'));
      worker.pending.clear();
    });
    await worker.waitForEvent((event) => event.event === 'ready', 30_000);
    return worker;
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
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (reply: Record<string, unknown>) => void, reject });
      this.child.stdin!.write(`${JSON.stringify({ ...command, id })}\n`);
    });
  }

  async get(cache: string, key: string, options: { groups?: string[] } = {}): Promise<LoadedValue> {
    const reply = await this.request<{ value: LoadedValue }>({ op: 'get', cache, key, ...options });
    return reply.value;
  }

  /** Resolves with (and consumes) the first event matching `predicate`, waiting for it if needed. */
  waitForEvent(predicate: (event: WorkerEvent) => boolean, timeoutMs = 10_000): Promise<WorkerEvent> {
    return new Promise<WorkerEvent>((resolve, reject) => {
      const check = (): boolean => {
        const index = this.events.findIndex(predicate);
        if (index < 0) return false;
        const [event] = this.events.splice(index, 1);
        this.eventWaiters.delete(wake);
        clearTimeout(timer);
        resolve(event!);
        return true;
      };
      const wake = (): void => void check();
      const timer = setTimeout(() => {
        this.eventWaiters.delete(wake);
        reject(new Error(`worker event not seen within ${timeoutMs} ms`));
      }, timeoutMs);
      if (!check()) this.eventWaiters.add(wake);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.request({ op: 'exit' }).catch(() => undefined);
    await exited;
  }
}
