import { describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, entryHeader, joinGroupVersions } from '../../../lib/cache/entry.js';

describe('L2 entry format', () => {
  it('round-trips the expiry, the group versions and the JSON, including JSON containing separators', () => {
    const json = JSON.stringify({ note: 'a|b|c', n: 1 });

    const decoded = decodeEntry(encodeEntry(json, 1_700_000_000_000, '3,0'));

    expect(decoded).toEqual({ freshUntil: 1_700_000_000_000, groupVersions: '3,0', json });
  });

  it('keeps an entry without groups distinguishable from one with groups', () => {
    expect(decodeEntry(encodeEntry('1', 5, ''))?.groupVersions).toBe('');
    expect(decodeEntry(encodeEntry('1', 5, '0'))?.groupVersions).toBe('0');
  });

  it.each([
    ['a missing value', null],
    ['an unknown format version', '2|5||1'],
    ['a truncated header', '1|5'],
    ['a non-numeric expiry', '1|soon||1'],
  ])('treats %s as a miss', (_case, raw) => {
    expect(decodeEntry(raw)).toBeUndefined();
  });

  it('takes the header of an entry, which differs between two stores of the same value', () => {
    const json = JSON.stringify({ note: 'a|b' });

    expect(entryHeader(encodeEntry(json, 1_700_000_000_000, '3,0'))).toBe('1|1700000000000|3,0|');
    expect(entryHeader(encodeEntry(json, 1_700_000_000_001, '3,0'))).not.toBe(entryHeader(encodeEntry(json, 1_700_000_000_000, '3,0')));
  });

  it('gives an empty header for a missing entry and the whole text for an entry it cannot decode', () => {
    expect(entryHeader(null)).toBe('');
    expect(entryHeader('2|5||1')).toBe('2|5||1');
  });

  it('reads a missing group version key as version 0', () => {
    expect(joinGroupVersions(['4', null, '1'])).toBe('4,0,1');
    expect(joinGroupVersions([])).toBe('');
  });
});
