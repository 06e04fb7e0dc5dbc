import { describe, expect, it } from 'vitest';
import { evaluatePartition, LAG_WINDOW, type LagSample } from '../../../lib/metrics/lag.js';

/** Burrow's rules 1-3 over a window of samples (oldest first). */
const window = (rows: Array<[committed: number, lag: number]>): LagSample[] =>
  rows.map(([committed, lag], i) => ({ at: i * 60_000, committed, high: committed + lag, lag }));

describe('evaluatePartition', () => {
  it('says ok until the window is full', () => {
    expect(LAG_WINDOW).toBe(4);
    expect(evaluatePartition(window([[5, 3], [5, 6], [5, 9]]))).toBe('ok');
  });

  it('rule 1: a sample with zero lag anywhere in the window means ok', () => {
    expect(evaluatePartition(window([[5, 0], [5, 3], [5, 6], [5, 9]]))).toBe('ok');
  });

  it('rule 2: the committed offset never moved while lag stayed above zero means stalled, growing or not', () => {
    expect(evaluatePartition(window([[5, 3], [5, 6], [5, 9], [5, 12]]))).toBe('stalled');
    expect(evaluatePartition(window([[5, 4], [5, 4], [5, 4], [5, 4]]))).toBe('stalled');
  });

  it('rule 3: committing but never catching up, lag growing overall, means lagging', () => {
    expect(evaluatePartition(window([[5, 3], [6, 3], [7, 5], [8, 8]]))).toBe('lagging');
  });

  it('a consumer that commits and whose lag goes down at some point is ok', () => {
    expect(evaluatePartition(window([[5, 3], [9, 6], [20, 2], [30, 8]]))).toBe('ok');
    expect(evaluatePartition(window([[5, 3], [6, 3], [7, 3], [8, 3]]))).toBe('ok');
  });
});
