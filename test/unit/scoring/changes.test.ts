import { describe, expect, it } from 'vitest';
import { changeOf, hasChanged } from '../../../lib/scoring/changes.js';
import type { ScoreWrite } from '../../../lib/scoring/queries.js';

/** The one definition of a changed score or premium (lib/scoring/changes.ts), as the writes, caches and push use it. */

const row = (score: number, finalAmount: number | null): ScoreWrite => ({
  driver_id: 7,
  score,
  features: {},
  reasons: [],
  premium: finalAmount === null ? null : { policy_id: 3, base_amount: 100, risk_factor: 1, usage_factor: 1, final_amount: finalAmount, details: {} },
});
// PostgreSQL numerics arrive as text.
const before = (score: number | null, amount: number | null) =>
  ({ previous_score: score === null ? null : (String(score) as unknown as number), previous_final_amount: amount === null ? null : (String(amount) as unknown as number) });

describe('changeOf', () => {
  it.each([
    ['a first score and premium', row(40, 120), before(null, null), { score: true, premium: true }],
    ['the same score and premium (numerics as text)', row(40, 120.5), before(40, 120.5), { score: false, premium: false }],
    ['a new score, the same premium', row(41, 120), before(40, 120), { score: true, premium: false }],
    ['the same score, a new premium', row(40, 121), before(40, 120), { score: false, premium: true }],
    ['no premium now (no policy): no premium change', row(40, null), before(40, 120), { score: false, premium: false }],
  ])('%s', (_name, write, previous, expected) => {
    const change = changeOf(write, previous);
    expect({ score: change.score, premium: change.premium }).toEqual(expected);
    expect(hasChanged(change)).toBe(expected.score || expected.premium);
  });

  it('carries the previous values as numbers for the push', () => {
    expect(changeOf(row(41, 121), before(40, 120.25))).toEqual({ driverId: 7, previousScore: 40, previousAmount: 120.25, score: true, premium: true });
  });
});
