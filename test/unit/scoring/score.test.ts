import { describe, expect, it } from 'vitest';
import { distribution, populationStabilityIndex, probabilityToScore } from '../../../lib/scoring/index.js';

const percentiles = Array.from({ length: 101 }, (_, i) => 0.01 + 0.005 * i); // 0.01 .. 0.51

describe('probabilityToScore', () => {
  it('is the percentile of the probability among training drivers, 0 and 100 at the ends', () => {
    expect(probabilityToScore(0.001, percentiles)).toBe(0);
    expect(probabilityToScore(0.01, percentiles)).toBe(0);
    expect(probabilityToScore(0.26, percentiles)).toBe(50);
    expect(probabilityToScore(0.2625, percentiles)).toBe(50.5);
    expect(probabilityToScore(0.51, percentiles)).toBe(100);
    expect(probabilityToScore(0.9, percentiles)).toBe(100);
  });

  it('never decreases as the probability rises, even over tied percentiles', () => {
    const tied = [0.1, 0.1, 0.1, 0.2, 0.3, 0.3, 0.4];
    let previous = -1;
    for (let p = 0; p <= 0.5; p += 0.001) {
      const score = probabilityToScore(p, tied);
      expect(score).toBeGreaterThanOrEqual(previous);
      previous = score;
    }
  });
});

describe('population stability', () => {
  const edges = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
  const uniform = new Array<number>(10).fill(0.1);

  it('bins scores by tenths, 100 in the last bin', () => {
    expect(distribution([0, 5, 10, 99.9, 100], edges)).toEqual([0.4, 0.2, 0, 0, 0, 0, 0, 0, 0, 0.4].map((x, i) => (i === 0 ? 0.4 : i === 1 ? 0.2 : x)));
  });

  it('is 0 for the training distribution and grows as the population shifts', () => {
    expect(populationStabilityIndex(uniform, uniform)).toBe(0);
    const slight = [0.08, 0.09, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.11, 0.12];
    const heavy = [0, 0, 0, 0, 0, 0.1, 0.1, 0.2, 0.3, 0.3];
    expect(populationStabilityIndex(slight, uniform)).toBeLessThan(0.1);
    expect(populationStabilityIndex(heavy, uniform)).toBeGreaterThan(0.25);
  });
});
