/** Percentiles of latency samples, shared by the benchmarks. */

export interface Summary {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/** p50/p95/p99/max of samples, in the samples' unit times `scale`. */
export function summarize(samples: ArrayLike<number>, scale = 1): Summary {
  const sorted = Float64Array.from(samples).sort();
  return {
    n: sorted.length,
    p50: percentile(sorted, 50) * scale,
    p95: percentile(sorted, 95) * scale,
    p99: percentile(sorted, 99) * scale,
    max: (sorted[sorted.length - 1] ?? Number.NaN) * scale,
  };
}

/** `label n=… p50=…unit p95=… p99=… max=…`, aligned for a table of measurements. */
export function formatSummary(label: string, summary: Summary, unit: string, digits: number, width = 14): string {
  const f = (value: number): string => `${value.toFixed(digits)}${unit}`;
  return (
    `${label.padEnd(width)} n=${String(summary.n).padEnd(6)} ` +
    `p50=${f(summary.p50)} p95=${f(summary.p95)} p99=${f(summary.p99)} max=${f(summary.max)}`
  );
}
