/**
 * A consecutive-failure circuit breaker around the cache's Redis calls.
 *
 * closed    every call goes to Redis; `threshold` failures in a row open the circuit.
 * open      no call goes to Redis until `cooldownMs` has passed, so a dead or stalled Redis costs
 *           requests nothing (they go straight to the loader) instead of one timeout each.
 * half_open after the cooldown exactly one call is let through as a probe; its success closes the
 *           circuit, its failure opens it for another cooldown. Other calls keep bypassing Redis
 *           while the probe is in flight.
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

export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAt = 0;
  private probing = false;
  private current: BreakerState = 'closed';
  private readonly now: () => number;

  constructor(private readonly options: BreakerOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  get state(): BreakerState {
    return this.current;
  }

  /** Whether a call may go to Redis now. A `true` in half-open state makes the caller the probe. */
  allow(): boolean {
    if (this.current === 'closed') return true;
    if (this.current === 'open') {
      if (this.now() - this.openedAt < this.options.cooldownMs) return false;
      this.current = 'half_open';
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  recordSuccess(): void {
    this.consecutiveFailures = 0;
    if (this.current === 'closed') return;
    this.current = 'closed';
    this.probing = false;
    this.options.onClose?.();
  }

  recordFailure(): void {
    this.consecutiveFailures += 1;
    if (this.current === 'half_open' || this.consecutiveFailures >= this.options.threshold) {
      const wasOpen = this.current !== 'closed';
      this.current = 'open';
      this.openedAt = this.now();
      this.probing = false;
      if (!wasOpen) this.options.onOpen?.();
    }
  }
}
