/**
 * The line protocol between a parent process and the worker processes it starts when one machine
 * must play several function instances (the cache benchmark, cross-process cache tests):
 *
 *   parent -> worker   stdin, one JSON command per line: {"id":1,"op":"get",...}
 *   worker -> parent   stdout, `@@` followed by JSON:
 *                        @@{"id":1,...}            the reply to command 1 (with `error` if it failed)
 *                        @@{"event":"ready",...}   an event; `ready` comes first, once the worker listens
 *                      Any other stdout line is log output and is ignored.
 *
 * `{"op":"exit"}` asks a worker to clean up and exit; a worker whose stdin closes (its parent is
 * gone) does the same. The parent side never leaves a worker behind: one that does not become
 * ready in time, or does not exit when asked, is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const MARKER = '@@';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** How long a worker may take to start (a cold tsx transform on a busy 2-core machine is slow). */
const READY_TIMEOUT_MS = 30_000;
/** How long `stop()` waits for the worker to exit on its own before killing it. */
const STOP_GRACE_MS = 5_000;
const EVENT_TIMEOUT_MS = 10_000;

/** A command as the caller writes it; the protocol adds the `id`. */
export interface WorkerCommand {
  op: string;
}

export interface WorkerEvent {
  event: string;
  [field: string]: unknown;
}

type Reply = Record<string, unknown>;
type Pending = { resolve: (reply: Reply) => void; reject: (error: Error) => void };

/** Parent side: one worker process running `script` (TypeScript, through tsx). */
export class WorkerProcess<Command extends WorkerCommand = WorkerCommand> {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly events: WorkerEvent[] = [];
  private readonly eventWaiters = new Set<() => void>();
  private exitReason: string | undefined;
  private readonly exited: Promise<void>;

  /** Starts the process without waiting for it; `ready()` waits until it takes commands. */
  constructor(script: string, options: { args?: readonly string[]; env?: Record<string, string> } = {}) {
    // `node --import tsx` rather than the tsx CLI: the CLI runs the script in a child process of
    // its own, which a SIGKILL of the CLI would leave running.
    this.child = spawn(process.execPath, ['--import', 'tsx', script, ...(options.args ?? [])], {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.exited = new Promise<void>((resolve) => {
      const onGone = (reason: string): void => {
        if (this.exitReason !== undefined) return;
        this.exitReason = reason;
        for (const { reject } of this.pending.values()) reject(new Error(`worker ${reason}`));
        this.pending.clear();
        for (const wake of this.eventWaiters) wake();
        resolve();
      };
      this.child.once('exit', (code, signal) => onGone(`exited (${signal ?? `code ${code}`})`));
      this.child.once('error', (error) => onGone(`failed to run: ${error.message}`));
    });
    // Writing to a worker that has just died fails with EPIPE; its pending requests are rejected on exit.
    this.child.stdin!.on('error', () => undefined);
    createInterface({ input: this.child.stdout! }).on('line', (line) => this.onLine(line));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitReason === undefined;
  }

  /** Resolves once the worker reported ready; kills it if it does not within `timeoutMs`. */
  async ready(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    try {
      await this.waitForEvent((event) => event.event === 'ready', timeoutMs);
    } catch (error) {
      await this.kill();
      throw error;
    }
  }

  /** Sends a command; resolves with the worker's reply, rejects with its error or when it exits. */
  request<T extends Reply = Reply>(command: Command): Promise<T> {
    return this.send(command) as Promise<T>;
  }

  private send(command: WorkerCommand): Promise<Reply> {
    if (this.exitReason !== undefined) return Promise.reject(new Error(`worker ${this.exitReason}`));
    const id = this.nextId++;
    return new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.stdin!.write(`${JSON.stringify({ ...command, id })}\n`);
    });
  }

  private onLine(line: string): void {
    if (!line.startsWith(MARKER)) return;
    const message = JSON.parse(line.slice(MARKER.length)) as Reply;
    if (typeof message.id === 'number') {
      const pending = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (typeof message.error === 'string') pending?.reject(new Error(message.error));
      else pending?.resolve(message);
      return;
    }
    this.events.push(message as WorkerEvent);
    for (const wake of this.eventWaiters) wake();
  }

  /**
   * Resolves with (and consumes) the first event matching `predicate`, waiting for it if needed.
   * Rejects after `timeoutMs`, or as soon as the worker exits without having sent it.
   */
  waitForEvent(predicate: (event: WorkerEvent) => boolean, timeoutMs = EVENT_TIMEOUT_MS): Promise<WorkerEvent> {
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
    void this.send({ op: 'exit' }).catch(() => undefined);
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
export async function allReady(workers: ReadonlyArray<Pick<WorkerProcess, 'ready' | 'stop'>>, timeoutMs = READY_TIMEOUT_MS): Promise<void> {
  const outcomes = await Promise.allSettled(workers.map((worker) => worker.ready(timeoutMs)));
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (!failure) return;
  await Promise.all(workers.map((worker) => worker.stop()));
  throw failure.reason;
}

/** Worker side: sends a reply or an event to the parent. */
export function sendToParent(message: object): void {
  process.stdout.write(`${MARKER}${JSON.stringify(message)}\n`);
}

/**
 * Worker side: reports ready, then runs `handle` for every command (concurrently) and replies with
 * the object it resolves to, or the message of the error it throws. On `exit`, or when the parent
 * goes away, runs `close` and exits the process.
 */
export async function serveParent<Command extends WorkerCommand>(
  handle: (command: Command) => Promise<object>,
  close: () => Promise<void> = () => Promise.resolve(),
): Promise<never> {
  sendToParent({ event: 'ready' });
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line.trim()) continue;
    const { id, ...command } = JSON.parse(line) as WorkerCommand & { id: number };
    if (command.op === 'exit') {
      await close();
      sendToParent({ id });
      process.exit(0);
    }
    handle(command as Command).then(
      (result) => sendToParent({ ...result, id }),
      (error: unknown) => sendToParent({ id, error: error instanceof Error ? error.message : String(error) }),
    );
  }
  await close();
  process.exit(0);
}
