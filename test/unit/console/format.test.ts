import { describe, expect, it } from 'vitest';
import { formatCount, formatDuration, formatFactor, formatInstant, formatKm, formatMoney, formatName, formatScore } from '../../../web/console/format.js';

describe('how the console writes figures', () => {
  it('groups thousands and fixes decimals per kind of figure', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatKm(1234.56)).toBe('1,234.6 km');
    expect(formatScore(42)).toBe('42.0');
    expect(formatScore(null)).toBe('–');
    expect(formatMoney(97.3)).toBe('97.30');
    expect(formatFactor(1.045)).toBe('x1.0450');
  });

  it('writes durations in seconds, minutes, then hours and minutes', () => {
    expect([formatDuration(45), formatDuration(720), formatDuration(3900)]).toEqual(['45 s', '12 min', '1 h 05 min']);
  });

  it('writes instants in UTC to the minute, and names with spaces', () => {
    expect(formatInstant('2026-12-03T11:05:59.999+01:00')).toBe('2026-12-03 10:05 UTC');
    expect(formatInstant('not a date')).toBe('not a date');
    expect(formatName('harsh_braking')).toBe('harsh braking');
  });
});
