import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeGroupMessage, encodeKeyMessage } from '../../../lib/cache/messages.js';

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

  it('round-trips a group invalidation', () => {
    expect(decodeMessage(encodeGroupMessage('inst2', 'driver:42'))).toEqual({ origin: 'inst2', kind: 'group', group: 'driver:42' });
  });

  it.each(['', 'no-separators', 'inst|x|drivers|k', 'inst|k|', 'inst|k|drivers', 'inst|g|'])('ignores the malformed message %j', (text) => {
    expect(decodeMessage(text)).toBeUndefined();
  });
});
