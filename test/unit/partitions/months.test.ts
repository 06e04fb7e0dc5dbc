import { describe, expect, it } from 'vitest';
import { addMonths, maintenanceWindow, monthOf, monthOfPartition, partitionName } from '../../../lib/partitions/months.js';

describe('partition months', () => {
  it('names months and partitions in UTC and steps across years', () => {
    expect(monthOf(new Date('2026-12-31T23:59:59.999Z'))).toBe('2026-12');
    expect(addMonths('2026-11', 3)).toBe('2027-02');
    expect(addMonths('2026-01', -13)).toBe('2024-12');
    expect(partitionName('2027-02')).toBe('telematics_events_2027_02');
    expect(monthOfPartition('telematics_events_2027_02')).toBe('2027-02');
    expect(monthOfPartition('telematics_events_default')).toBeUndefined();
  });

  it('keeps the current month and N ahead, and retains the last R whole months', () => {
    const window = maintenanceWindow(new Date('2027-03-01T00:00:00Z'), 3, 12);
    expect(window.premake).toEqual(['2027-03', '2027-04', '2027-05', '2027-06']);
    expect(window.firstRetained).toBe('2026-03');
  });
});
