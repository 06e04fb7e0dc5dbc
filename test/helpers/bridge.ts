import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild } from './process.js';

/**
 * `npm run bridge` as a child process of its own (one node process, no npm or tsx wrapper in
 * between), so a test can SIGKILL it mid-batch or point it at private services.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface BridgeProcess {
  child: ChildProcess;
  output: () => string;
  /** Sends `signal` and waits for the process to exit. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

export function startBridgeProcess(env: Record<string, string>): BridgeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/bridge.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'WARN', KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => stopChild(child, signal),
  };
}
