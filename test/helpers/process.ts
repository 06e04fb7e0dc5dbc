import { execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Sends `signal` to a private server or script the tests started and waits for it to exit;
 * nothing to do when it has gone already. Resolves to its exit code (null when a signal ended it).
 */
export async function stopChild(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<number | null> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = once(child, 'exit');
  child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

/** What a script run ended with: its exit code (0 on success) and its output. */
export interface ScriptRun {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

/**
 * Runs a repository script (`scripts/seed.ts`, ...) as `npm run` does, through tsx, from the
 * repository root. The test workers run with STAGE=test; the script's environment starts from no
 * STAGE at all (as a developer's shell), plus `env`. Never rejects: a failure is a non-zero code.
 */
export function runScript(script: string, args: readonly string[], env: Record<string, string | undefined> = {}): Promise<ScriptRun> {
  const { STAGE: _workerStage, ...inherited } = process.env;
  return promisify(execFile)(process.execPath, ['--import', 'tsx', script, ...args], { cwd: REPOSITORY_ROOT, env: { ...inherited, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
}
