import { resetConfig } from '../../lib/config/index.js';

/**
 * Changing the configuration in a test: set (or, with `undefined`, unset) environment variables
 * and re-read the configuration, then put both back. One place instead of `process.env` edits
 * followed by `resetConfig()` in every file.
 */
export type EnvChanges = Record<string, string | undefined>;

/** Applies `changes` and returns the function that restores the previous values (and configuration). */
export function setEnv(changes: EnvChanges): () => void {
  const saved = Object.fromEntries(Object.keys(changes).map((name) => [name, process.env[name]]));
  assign(changes);
  resetConfig();
  return () => {
    assign(saved);
    resetConfig();
  };
}

/** Runs `fn` with `changes` applied, restoring the environment and configuration afterwards whatever happens. */
export async function withEnv<T>(changes: EnvChanges, fn: () => Promise<T> | T): Promise<T> {
  const restore = setEnv(changes);
  try {
    return await fn();
  } finally {
    restore();
  }
}

function assign(values: EnvChanges): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
