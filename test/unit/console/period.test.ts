import { describe, expect, it } from 'vitest';
import { DEFAULT_PERIOD_DAYS, fleetPeriod, periodDays } from '../../../web/console/period.js';

describe('the fleet view period', () => {
  it('ends at the start of the next UTC hour and spans whole days before it', () => {
    expect(fleetPeriod(7, Date.parse('2026-12-03T11:05:30.123Z'))).toEqual({ from: '2026-11-26T12:00:00.000Z', to: '2026-12-03T12:00:00.000Z' });
    expect(fleetPeriod(1, Date.parse('2026-12-03T12:00:00.000Z'))).toEqual({ from: '2026-12-02T13:00:00.000Z', to: '2026-12-03T13:00:00.000Z' });
  });

  it('takes the offered lengths from ?days= and the default for anything else', () => {
    expect([periodDays('1'), periodDays('30'), periodDays('5'), periodDays(null), periodDays('x')]).toEqual([1, 30, DEFAULT_PERIOD_DAYS, DEFAULT_PERIOD_DAYS, DEFAULT_PERIOD_DAYS]);
  });
});
