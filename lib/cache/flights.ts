/**
 * Single flight within this instance: concurrent misses of one key share one promise, so a burst
 * of requests for a missing key costs one Redis read and at most one loader run here.
 */

/** A miss being resolved; `invalidated` is set when the key or one of its groups is invalidated meanwhile. */
export interface FlightState {
  readonly groups: readonly string[];
  invalidated: boolean;
}

interface Flight {
  state: FlightState;
  promise: Promise<unknown>;
}

export class Flights {
  private readonly running = new Map<string, Flight>();

  /** The promise of the miss of `key` already being resolved, if any. */
  joinable<T>(key: string): Promise<T> | undefined {
    return this.running.get(key)?.promise as Promise<T> | undefined;
  }

  /** Runs `resolve` as the key's flight until it settles; later misses of the key join it. */
  start<T>(key: string, groups: readonly string[], resolve: (state: FlightState) => Promise<T>): Promise<T> {
    const state: FlightState = { groups, invalidated: false };
    const promise = resolve(state).finally(() => {
      // An invalidation may have let a newer flight of the key start meanwhile: leave that one.
      if (this.running.get(key)?.state === state) this.running.delete(key);
    });
    this.running.set(key, { state, promise });
    return promise;
  }

  /** The key changed: a load in progress for it may predate the change and must not be stored. */
  invalidateKey(key: string): void {
    const flight = this.running.get(key);
    if (flight) flight.state.invalidated = true;
  }

  invalidateGroups(groups: readonly string[]): void {
    if (this.running.size === 0) return;
    const dropped = new Set(groups);
    for (const flight of this.running.values()) {
      if (flight.state.groups.some((group) => dropped.has(group))) flight.state.invalidated = true;
    }
  }

  /** Every key changed (the cache was emptied): no load in progress may be stored. */
  invalidateAll(): void {
    for (const flight of this.running.values()) flight.state.invalidated = true;
  }
}
