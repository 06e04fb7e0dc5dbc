import { describe, expect, it } from 'vitest';
import { fleetCountersMessage } from '../../../lib/push/counters.js';

const counts = { events: 500, tripsStarted: 2, tripsEnded: 1, deadLettered: 3 };

describe('fleetCountersMessage', () => {
  it('passes the counts through and divides the events by the time since the previous message while streaming', () => {
    const message = fleetCountersMessage({ counts, previousAt: 10_000, at: 11_250 }, 1000);
    expect(message).toEqual({ ...counts, eventsPerSecond: 400 });
  });

  it('divides by one interval for the first message and after a pause (a burst now, not a trickle over the pause)', () => {
    expect(fleetCountersMessage({ counts, previousAt: undefined, at: 5000 }, 1000).eventsPerSecond).toBe(500);
    expect(fleetCountersMessage({ counts, previousAt: 0, at: 600_000 }, 1000).eventsPerSecond).toBe(500);
  });

  it('treats up to two intervals since the previous message as streaming', () => {
    expect(fleetCountersMessage({ counts, previousAt: 0, at: 2000 }, 1000).eventsPerSecond).toBe(250);
    expect(fleetCountersMessage({ counts, previousAt: 0, at: 2001 }, 1000).eventsPerSecond).toBe(500);
  });
});
