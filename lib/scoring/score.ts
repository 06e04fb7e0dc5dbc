/**
 * From a claim probability to the 0-100 score drivers see, and the drift signal of a run's scores.
 * Pure functions of the model card's figures.
 */

/**
 * The score of probability `p`: the share of training drivers (in percent) whose predicted
 * probability is lower, read linearly between the card's 101 percentiles of the training
 * probabilities. Non-decreasing in `p` (so every monotone property of the model carries over),
 * 0 at or below the lowest training probability, 100 at or above the highest. Two decimals, as stored.
 */
export function probabilityToScore(p: number, percentiles: readonly number[]): number {
  const n = percentiles.length;
  const first = percentiles[0];
  const last = percentiles[n - 1];
  if (first === undefined || last === undefined || n < 2) throw new Error('the model card has no probability percentiles');
  if (!(p > first)) return 0;
  if (p >= last) return 100;
  // The last percentile at or below p (binary search; percentiles are sorted, ties allowed).
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((percentiles[mid] as number) <= p) lo = mid;
    else hi = mid;
  }
  const below = percentiles[lo] as number;
  const above = percentiles[hi] as number;
  const within = above > below ? (p - below) / (above - below) : 0;
  return round2(((lo + within) * 100) / (n - 1));
}

/** Shares of `scores` in the bins `edges` (the last bin includes its upper edge). */
export function distribution(scores: readonly number[], edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (const score of scores) {
    let bin = edges.findIndex((edge, i) => i > 0 && score < edge) - 1;
    if (bin < 0) bin = score >= (edges[edges.length - 1] ?? 0) ? counts.length - 1 : 0;
    counts[bin] = (counts[bin] ?? 0) + 1;
  }
  return counts.map((c) => (scores.length > 0 ? c / scores.length : 0));
}

/**
 * Population stability index of `actual` shares against `expected` (training) shares over the same
 * bins: sum((a - e) * ln(a / e)). Below 0.1 the population is stable, above 0.25 it has shifted.
 * Empty bins count as a small share so the logarithm stays finite.
 */
export function populationStabilityIndex(actual: readonly number[], expected: readonly number[], floor = 1e-4): number {
  let psi = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = Math.max(actual[i] ?? 0, floor);
    const e = Math.max(expected[i] ?? 0, floor);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

const round2 = (value: number) => Math.round(value * 100) / 100;
