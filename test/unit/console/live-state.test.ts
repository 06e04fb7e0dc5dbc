import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyPush, EMPTY_LIVE_STATE, MAX_TRIPS, readSocketMessage, type PushMessage } from '../../../web/console/live-state.js';

const message = (type: string, data: Record<string, unknown>, at = '2026-12-03T11:00:00Z'): PushMessage => ({ topic: 'fleet', type, at, data });

describe('the live panel state, folded from push messages', () => {
  it('sums the fleet counters and keeps the latest rate', () => {
    const state = [
      message('fleet.counters', { events: 500, eventsPerSecond: 500, tripsStarted: 2, tripsEnded: 1, deadLettered: 0 }),
      message('fleet.counters', { events: 120, eventsPerSecond: 120, tripsStarted: 0, tripsEnded: 1, deadLettered: 3 }),
    ].reduce(applyPush, EMPTY_LIVE_STATE);

    expect(state).toMatchObject({ events: 620, eventsPerSecond: 120, tripsStarted: 2, tripsEnded: 2, deadLettered: 3 });
  });

  it('lists new trips newest first, completes a trip when it ends, and keeps at most MAX_TRIPS', () => {
    let state = applyPush(EMPTY_LIVE_STATE, message('trip.started', { tripId: 'a', driverId: 7, startedAt: '2026-12-03T10:00:00Z' }));
    state = applyPush(state, message('trip.started', { tripId: 'b', driverId: 8, startedAt: '2026-12-03T10:01:00Z' }));
    state = applyPush(state, message('trip.ended', { tripId: 'a', driverId: 7, startedAt: '2026-12-03T10:00:00Z', endedAt: '2026-12-03T10:30:00Z', distanceKm: 12.5 }));

    expect(state.trips.map((t) => [t.tripId, t.endedAt, t.distanceKm])).toEqual([['a', '2026-12-03T10:30:00Z', 12.5], ['b', null, null]]);
    for (let i = 0; i < MAX_TRIPS + 5; i++) state = applyPush(state, message('trip.started', { tripId: `t${i}`, driverId: 1, startedAt: '2026-12-03T11:00:00Z' }));
    expect(state.trips).toHaveLength(MAX_TRIPS);
    expect(state.trips[0]?.tripId).toBe(`t${MAX_TRIPS + 4}`);
  });

  it('replaces the lag per partition with each metrics message, in topic and partition order', () => {
    const state = applyPush(
      EMPTY_LIVE_STATE,
      message('metrics.lag', { groupId: 'telematics-ingest', total: 30, partitions: [{ topic: 't', partition: 1, lag: 20, lagSeconds: 2.5 }, { topic: 't', partition: 0, lag: 10, lagSeconds: null }] }),
    );

    expect(state.lag).toEqual({ groupId: 'telematics-ingest', total: 30, partitions: [{ topic: 't', partition: 0, lag: 10, lagSeconds: null }, { topic: 't', partition: 1, lag: 20, lagSeconds: 2.5 }] });
  });

  it('reads what the socket says: the subscribe reply, a refusal with its code, a push, and anything else', () => {
    expect(readSocketMessage('{"type":"subscribed","topics":["fleet"]}')).toEqual({ kind: 'subscribed' });
    expect(readSocketMessage('{"type":"error","code":"forbidden_topic","message":"no","topic":"fleet"}')).toEqual({ kind: 'refused', code: 'forbidden_topic' });
    expect(readSocketMessage('{"type":"error"}')).toEqual({ kind: 'refused', code: 'error' });
    expect(readSocketMessage('{"topic":"fleet","type":"fleet.counters","at":"x","data":{"events":1}}')).toEqual({
      kind: 'push',
      message: { topic: 'fleet', type: 'fleet.counters', at: 'x', data: { events: 1 } },
    });
    for (const other of ['not json', '42', 'null', '{"topic":"fleet","type":"fleet.counters"}']) expect(readSocketMessage(other)).toEqual({ kind: 'other' });
  });
});

describe('reading the socket', () => {
  afterEach(() => vi.restoreAllMocks());

  it('parses each message once, whatever it turns out to be', () => {
    const parse = vi.spyOn(JSON, 'parse');
    const raws = ['{"type":"subscribed","topics":["fleet"]}', '{"type":"error","code":"invalid_topic"}', '{"topic":"fleet","type":"trip.started","at":"x","data":{}}', 'garbage'];

    for (const raw of raws) readSocketMessage(raw);

    expect(parse.mock.calls.map(([text]) => text)).toEqual(raws);
  });
});
