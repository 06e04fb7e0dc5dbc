import type { Cache } from '../../lib/cache/index.js';

export interface HeldLoad<T> {
  /** Lets the loader return its value. */
  release(): void;
  /** What the caller of `getOrLoad` gets. */
  result: Promise<T>;
}

/**
 * Starts a `getOrLoad` of `key` whose loader holds `value` until released, and resolves once the
 * loader runs: what an invalidation racing a load in progress needs to be tested.
 */
export async function startHeldLoad<T>(cache: Cache, key: string, value: T): Promise<HeldLoad<T>> {
  const loading = Promise.withResolvers<void>();
  const gate = Promise.withResolvers<void>();
  const result = cache.getOrLoad(key, async () => {
    loading.resolve();
    await gate.promise;
    return value;
  });
  await loading.promise;
  return { release: () => gate.resolve(), result };
}
