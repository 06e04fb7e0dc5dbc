import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeClearedMessage, encodeGroupsMessage, encodeKeyMessage, encodeKeysMessage } from '../../../lib/cache/messages.js';

describe('cache bus messages', () => {
  it('round-trips a key invalidation whose key contains separators', () => {
    expect(decodeMessage(encodeKeyMessage('inst1', 'key', 'drivers', 'a|b:c'))).toEqual({
      origin: 'inst1',
      kind: 'key',
      cache: 'drivers',
      key: 'a|b:c',
    });
  });

  it('round-trips a ready signal', () => {
    expect(decodeMessage(encodeKeyMessage('inst1', 'ready', 'scores', '42'))).toEqual({
      origin: 'inst1',
      kind: 'ready',
      cache: 'scores',
      key: '42',
    });
  });

  it('round-trips a single group invalidation in the one-group form older instances read', () => {
    const text = encodeGroupsMessage('inst2', ['driver:42']);
    expect(text).toBe('inst2|g|driver:42');
    expect(decodeMessage(text)).toEqual({ origin: 'inst2', kind: 'groups', groups: ['driver:42'] });
  });

  it('round-trips thousands of groups, including ones with separators, quotes and newlines, in one message', () => {
    const groups = [...Array.from({ length: 2000 }, (_, i) => `driver-trips:${i}`), 'odd|group', 'quote"d', 'new\nline', 'ü:λ'];
    const text = encodeGroupsMessage('inst3', groups);
    expect(text.startsWith('inst3|G|')).toBe(true);
    expect(decodeMessage(text)).toEqual({ origin: 'inst3', kind: 'groups', groups });
  });

  it('round-trips many keys of one cache, including ones with separators and quotes, in one message', () => {
    const keys = [...Array.from({ length: 1000 }, (_, i) => `current:${i}`), 'a|b', 'quote"d'];
    const text = encodeKeysMessage('inst5', 'risk', keys);
    expect(text.startsWith('inst5|K|risk|')).toBe(true);
    expect(decodeMessage(text)).toEqual({ origin: 'inst5', kind: 'keys', cache: 'risk', keys });
  });

  it('sends a single key in the one-key form older instances read', () => {
    expect(encodeKeysMessage('inst6', 'risk', ['current:1'])).toBe(encodeKeyMessage('inst6', 'key', 'risk', 'current:1'));
    expect(() => encodeKeysMessage('inst6', 'risk', [])).toThrow(RangeError);
  });

  it('round-trips emptied caches in one message, and refuses to encode none', () => {
    const text = encodeClearedMessage('inst-1', ['drivers', 'premiums']);

    expect(decodeMessage(text)).toEqual({ origin: 'inst-1', kind: 'cleared', caches: ['drivers', 'premiums'] });
    expect(decodeMessage('inst-1|C|[]')).toBeUndefined();
    expect(() => encodeClearedMessage('inst-1', [])).toThrow(RangeError);
  });

  it('refuses to encode an empty group list', () => {
    expect(() => encodeGroupsMessage('inst4', [])).toThrow(RangeError);
  });

  it.each([
    '',
    'no-separators',
    'inst|x|drivers|k',
    'inst|k|',
    'inst|k|drivers',
    'inst|g|',
    'inst|G|',
    'inst|G|not json',
    'inst|G|[]',
    'inst|G|{"a":1}',
    'inst|G|["ok",3]',
    'inst|G|["ok",""]',
    'inst|K|risk',
    'inst|K||["a"]',
    'inst|K|risk|[]',
    'inst|K|risk|not json',
  ])('ignores the malformed message %j', (text) => {
    expect(decodeMessage(text)).toBeUndefined();
  });
});
