import type { FeatureName, Features } from '../../../lib/scoring/index.js';

/**
 * For each base row, sets `feature` to each value of the ascending `grid` (all else equal) and
 * returns every step where `predict` went down: the monotonicity check of the model test.
 */
export async function monotoneViolations(
  predict: (rows: readonly Features[]) => Promise<number[]>,
  bases: readonly Features[],
  feature: FeatureName,
  grid: readonly number[],
): Promise<string[]> {
  const rows = bases.flatMap((base) => grid.map((value) => ({ ...base, [feature]: value })));
  const out = await predict(rows);
  const violations: string[] = [];
  bases.forEach((_, b) => {
    for (let g = 1; g < grid.length; g++) {
      const before = out[b * grid.length + g - 1] as number;
      const after = out[b * grid.length + g] as number;
      if (after < before) violations.push(`row ${b}: ${feature} ${grid[g - 1]} -> ${grid[g]} lowered ${before} to ${after}`);
    }
  });
  return violations;
}
