/**
 * Command-line tools that write to a database (seed; migrate against anything but this machine)
 * run only with STAGE set explicitly. lib/config defaults an unset STAGE to `local` so that
 * functions need no configuration; for a writing script that default is a trap: a shell that
 * points DATABASE_URL at a shared database and forgot STAGE would be treated as local. The dev
 * and test runners (scripts/dev.sh, scripts/test.sh) set STAGE themselves.
 */

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Whether a database URL points at this machine. */
export function isLocalDatabaseUrl(url: string): boolean {
  try {
    return LOCAL_HOSTS.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Thrown when a writing script runs without STAGE; its message says what to do. */
export class StageRequiredError extends Error {
  override readonly name = 'StageRequiredError';
}

/**
 * Refuses to go on unless STAGE is set in `env`. `action` says what would be written where, for
 * the message, e.g. `seeding writes demo data to postgres://...`.
 */
export function requireExplicitStage(action: string, env: Record<string, string | undefined> = process.env): void {
  if (env.STAGE?.trim()) return;
  throw new StageRequiredError(
    `STAGE is not set: ${action}. Set it explicitly, e.g. STAGE=local for a database of this machine ` +
      '(npm run dev and npm test set it themselves).',
  );
}
