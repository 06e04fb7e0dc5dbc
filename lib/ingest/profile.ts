/**
 * Where a batch's time goes, stage by stage (decode, validate, ownership lookups, COPY, insert,
 * trip update, ...), for `npm run bench:ingest`. Off unless a benchmark turns it on; then each
 * stage's wall time is summed per name.
 */

const totals = new Map<string, number>();
let enabled = false;

export function profileIngestStages(on: boolean): void {
  enabled = on;
  totals.clear();
}

/** Seconds spent per stage since profiling was turned on. */
export function ingestStageSeconds(): Record<string, number> {
  return Object.fromEntries([...totals].map(([name, ms]) => [name, ms / 1000]));
}

export function addStageTime(name: string, startedAt: number): void {
  if (enabled) totals.set(name, (totals.get(name) ?? 0) + performance.now() - startedAt);
}

export async function stage<T>(name: string, run: () => Promise<T>): Promise<T> {
  if (!enabled) return run();
  const started = performance.now();
  try {
    return await run();
  } finally {
    addStageTime(name, started);
  }
}
