import { describe, expect, it } from 'vitest';
import { addFleetCounters, type FleetCounts } from '../../../lib/push/counters.js';
import { pushKeys } from '../../../lib/push/keys.js';
import { pushKeySpace } from './key-space.js';

/**
 * The fleet counters' accumulator in the real Redis, with the clock given to each call: however
 * many batches (and instances) add to it, the counts come out at most once per interval, summed,
 * and exactly once.
 */

const { prefix, redis } = pushKeySpace('push-counters');
const INTERVAL = 1000;
const batch = (events: number, extra: Partial<FleetCounts> = {}): FleetCounts => ({ events, tripsStarted: 0, tripsEnded: 0, deadLettered: 0, ...extra });

describe('addFleetCounters', () => {
  it("keeps its accumulator at pushKeys().fleetCounters, in the push layer's key space, expiring", async () => {
    await addFleetCounters(batch(10), 0, INTERVAL);
    await addFleetCounters(batch(4), 100, INTERVAL);

    expect(pushKeys().fleetCounters.startsWith(`${prefix}:push:`)).toBe(true);
    expect(await redis.hget(pushKeys().fleetCounters, 'events')).toBe('4');
    expect(await redis.pttl(pushKeys().fleetCounters)).toBeGreaterThan(0);
    expect(await redis.keys(`${prefix}:*`)).toEqual([pushKeys().fleetCounters]);
  });

  it('hands the first batch its own counts at once (nothing was published before)', async () => {
    const taken = await addFleetCounters(batch(10, { tripsStarted: 1, deadLettered: 2 }), 5000, INTERVAL);
    expect(taken).toEqual({ counts: { events: 10, tripsStarted: 1, tripsEnded: 0, deadLettered: 2 }, previousAt: undefined, at: 5000 });
  });

  it('keeps adding within the interval and hands the sums to the first batch past it', async () => {
    await addFleetCounters(batch(10), 0, INTERVAL);
    const within = [await addFleetCounters(batch(5, { tripsEnded: 1 }), 300, INTERVAL), await addFleetCounters(batch(7), 999, INTERVAL)];
    const past = await addFleetCounters(batch(1), 1000, INTERVAL);
    const next = await addFleetCounters(batch(2), 1500, INTERVAL);

    expect(within).toEqual([undefined, undefined]);
    expect(past).toEqual({ counts: { events: 13, tripsStarted: 0, tripsEnded: 1, deadLettered: 0 }, previousAt: 0, at: 1000 });
    expect(next).toBeUndefined();
  });

  it('hands the sums out exactly once when many instances cross the second together', async () => {
    await addFleetCounters(batch(0), 0, INTERVAL);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => addFleetCounters(batch(1), 1000 + i, INTERVAL)));
    const taken = results.filter((r) => r !== undefined);
    const later = await addFleetCounters(batch(0), 1000 + 50 + INTERVAL, INTERVAL);

    expect(taken).toHaveLength(1);
    // Whatever arrived after the taker is in the next message: nothing is lost or counted twice.
    expect((taken[0]?.counts.events ?? 0) + (later?.counts.events ?? 0)).toBe(50);
  });

  it('publishes at most once per interval over a steady stream of batches', async () => {
    const takenAt: number[] = [];
    for (let now = 0; now < 10 * INTERVAL; now += 70) {
      const taken = await addFleetCounters(batch(1), now, INTERVAL);
      if (taken) takenAt.push(taken.at);
    }
    const gaps = takenAt.slice(1).map((at, i) => at - (takenAt[i] as number));

    expect(takenAt.length).toBeGreaterThanOrEqual(9);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(INTERVAL);
  });
});
