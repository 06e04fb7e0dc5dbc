/**
 * `work`'s result, or `fallback` once `ms` have passed (the work goes on unobserved; its failure
 * is swallowed). What keeps a publisher's preparation inside its caller's budget.
 */
export async function withinMs<T>(work: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => undefined);
  try {
    return await Promise.race([work, new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback()), Math.max(0, ms))))]);
  } finally {
    clearTimeout(timer);
  }
}
