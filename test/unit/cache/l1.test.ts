import { describe, expect, it } from 'vitest';
import type { Settings } from '../../../lib/cache/definition.js';
import { L1Store } from '../../../lib/cache/l1.js';

const MINUTE = 60_000;
const defaults = { ttl: MINUTE, grace: 0, l1Ttl: MINUTE };

function store(maxEntries = 100): L1Store {
  const l1 = L1Store.create(maxEntries, defaults);
  if (!l1) throw new Error('expected an L1 store');
  return l1;
}

function settings(groups: readonly string[] = [], grace = 0): Settings {
  return { ttl: MINUTE, grace, l1Ttl: MINUTE, groups };
}

describe('L1Store', () => {
  it('is not created for a cache without capacity or with l1Ttl 0', () => {
    expect(L1Store.create(0, defaults)).toBeUndefined();
    expect(L1Store.create(100, { ...defaults, l1Ttl: 0 })).toBeUndefined();
  });

  it('drops exactly the entries of an invalidated group and counts them', () => {
    const l1 = store();
    l1.set('a', 1, Date.now() + MINUTE, settings(['driver:1']));
    l1.set('b', 2, Date.now() + MINUTE, settings(['driver:1', 'dashboard']));
    l1.set('c', 3, Date.now() + MINUTE, settings(['driver:2']));

    expect(l1.deleteGroups(['driver:1'])).toBe(2);
    expect(l1.get('a')).toBeUndefined();
    expect(l1.get('b')).toBeUndefined();
    expect(l1.get('c')?.value).toBe(3);
  });

  it('forgets a deleted entry in its other groups, so a later group invalidation counts only what it drops', () => {
    const l1 = store();
    l1.set('b', 2, Date.now() + MINUTE, settings(['driver:1', 'dashboard']));
    l1.deleteGroups(['driver:1']);
    expect(l1.deleteGroups(['dashboard'])).toBe(0);

    l1.set('d', 4, Date.now() + MINUTE, settings(['dashboard']));
    l1.delete('d');
    expect(l1.deleteGroups(['dashboard'])).toBe(0);
  });

  it('forgets an entry evicted for capacity in its groups', () => {
    const l1 = store(1);
    l1.set('a', 1, Date.now() + MINUTE, settings(['driver:1']));
    l1.set('b', 2, Date.now() + MINUTE, settings(['driver:2']));
    expect(l1.get('a')).toBeUndefined();
    expect(l1.deleteGroups(['driver:1'])).toBe(0);
    expect(l1.deleteGroups(['driver:2'])).toBe(1);
  });

  it('keeps an entry past its freshness as a grace candidate, and nothing whose grace is over', () => {
    const l1 = store();
    const agedAt = Date.now() - 1000;
    l1.set('aged', 'old', agedAt, settings([], MINUTE));
    expect(l1.get('aged')).toEqual({ value: 'old', freshUntil: agedAt, groups: [] });
    l1.set('gone', 'old', agedAt, settings([], 500));
    expect(l1.get('gone')).toBeUndefined();
  });

  it('clears entries and the group index together', () => {
    const l1 = store();
    l1.set('a', 1, Date.now() + MINUTE, settings(['driver:1']));
    l1.clear();
    expect(l1.get('a')).toBeUndefined();
    expect(l1.deleteGroups(['driver:1'])).toBe(0);
  });
});
