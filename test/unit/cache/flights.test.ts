import { describe, expect, it } from 'vitest';
import { Flights, type FlightState } from '../../../lib/cache/flights.js';

/** A flight whose result the test decides, and the state the flight was given. */
function startControlled(flights: Flights, key: string, groups: readonly string[]) {
  let finish!: (value: string) => void;
  let state!: FlightState;
  const promise = flights.start(key, groups, (given) => {
    state = given;
    return new Promise<string>((resolve) => (finish = resolve));
  });
  return { promise, finish, state };
}

describe('Flights', () => {
  it('lets later misses of a key join the running flight until it settles', async () => {
    const flights = new Flights();
    const { promise, finish } = startControlled(flights, 'k', []);
    expect(flights.joinable('k')).toBe(promise);
    expect(flights.joinable('other')).toBeUndefined();

    finish('value');
    await expect(promise).resolves.toBe('value');
    expect(flights.joinable('k')).toBeUndefined();
  });

  it('leaves the flight joinable after a failure only until it settles', async () => {
    const flights = new Flights();
    const promise = flights.start('k', [], () => Promise.reject(new Error('loader failed')));
    await expect(promise).rejects.toThrow('loader failed');
    expect(flights.joinable('k')).toBeUndefined();
  });

  it('marks a flight invalidated when its key is invalidated', () => {
    const flights = new Flights();
    const { state } = startControlled(flights, 'k', []);
    const other = startControlled(flights, 'other', []);
    flights.invalidateKey('k');
    expect(state.invalidated).toBe(true);
    expect(other.state.invalidated).toBe(false);
  });

  it('marks invalidated only the flights that belong to an invalidated group', () => {
    const flights = new Flights();
    const member = startControlled(flights, 'a', ['driver:1', 'dashboard']);
    const outsider = startControlled(flights, 'b', ['driver:2']);
    flights.invalidateGroups(['dashboard']);
    expect(member.state.invalidated).toBe(true);
    expect(outsider.state.invalidated).toBe(false);
  });
});
