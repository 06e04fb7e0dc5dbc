/**
 * A consecutive-failure circuit breaker around the cache's Redis calls.
 *
 * closed    every call goes to Redis; `threshold` failures in a row open the circuit.
 * open      no call goes to Redis until `cooldownMs` has passed, so a dead or stalled Redis costs
 *           requests nothing (they go straight to the loader) instead of one timeout each.
 * half_open after the cooldown exactly one call is let through as a probe; its success closes the
 *           circuit, its failure opens it for another cooldown. Other calls keep bypassing Redis
 *           while the probe is in flight.
 *
 * Each call let through gets a permit, handed back with its outcome. A permit belongs to the
 * period (epoch) in which it was granted; every open and close starts a new one. Outcomes of
 * calls granted in an earlier period are ignored: a call that started before the circuit opened
 * and succeeds afterwards says nothing about Redis now, so only the probe may close the circuit
 * (and only the probe's failure may reopen it).
 */

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  threshold: number;
  cooldownMs: number;
  /** Monotonic milliseconds; injectable so unit tests control time. */
  now?: () => number;
  /** Called when the circuit closes again after being open (e.g. to replay queued work). */
  onClose?: () => void;
  onOpen?: () => void;
}

/** The outcome of `run`: the value, or why there is none (turned away by the open circuit, or failed). */
export type GuardedResult<T> = { ok: true; value: T } | { ok: false; bypassed: true } | { ok: false; bypassed: false; error: unknown };

/** Proof that a call was let through; pass it to `recordSuccess` or `recordFailure`. */
export interface BreakerPermit {
  readonly epoch: number;
  readonly probe: boolean;
}

export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAt = 0;
  private epoch = 0;
  private probing = false;
  private current: BreakerState = 'closed';
  private readonly now: () => number;

  constructor(private readonly options: BreakerOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  get state(): BreakerState {
    return this.current;
  }

  /** A permit if a call may go to Redis now, `undefined` if it must bypass Redis. */
  allow(): BreakerPermit | undefined {
    if (this.current === 'closed') return { epoch: this.epoch, probe: false };
    if (this.current === 'open') {
      if (this.now() - this.openedAt < this.options.cooldownMs) return undefined;
      this.current = 'half_open';
    }
    if (this.probing) return undefined;
    this.probing = true;
    return { epoch: this.epoch, probe: true };
  }

  /** Runs `operation` if the circuit lets a call through, recording its outcome; never throws. */
  async run<T>(operation: () => Promise<T>): Promise<GuardedResult<T>> {
    const permit = this.allow();
    if (!permit) return { ok: false, bypassed: true };
    try {
      const value = await operation();
      this.recordSuccess(permit);
      return { ok: true, value };
    } catch (error) {
      this.recordFailure(permit);
      return { ok: false, bypassed: false, error };
    }
  }

  recordSuccess(permit: BreakerPermit): void {
    if (permit.epoch !== this.epoch) return;
    if (permit.probe) {
      this.transition('closed');
      this.options.onClose?.();
    } else {
      this.consecutiveFailures = 0;
    }
  }

  recordFailure(permit: BreakerPermit): void {
    if (permit.epoch !== this.epoch) return;
    if (permit.probe) {
      this.transition('open');
      return;
    }
    this.consecutiveFailures += 1;
    if (this.consecutiveFailures >= this.options.threshold) {
      this.transition('open');
      this.options.onOpen?.();
    }
  }

  private transition(state: 'open' | 'closed'): void {
    this.current = state;
    this.epoch += 1;
    this.consecutiveFailures = 0;
    this.probing = false;
    if (state === 'open') this.openedAt = this.now();
  }
}
