import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from '../../../lib/cache/breaker.js';

function breakerWithClock(threshold = 3, cooldownMs = 1000) {
  const clock = { now: 0 };
  const events: string[] = [];
  const breaker = new CircuitBreaker({
    threshold,
    cooldownMs,
    now: () => clock.now,
    onOpen: () => events.push('open'),
    onClose: () => events.push('close'),
  });
  return { breaker, clock, events };
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold of consecutive failures', () => {
    const { breaker } = breakerWithClock(3);
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
    expect(breaker.allow()).toBe(true);
  });

  it('counts only consecutive failures: a success resets the count', () => {
    const { breaker } = breakerWithClock(3);
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordSuccess();
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.state).toBe('closed');
  });

  it('opens at the threshold and refuses calls until the cooldown has passed', () => {
    const { breaker, clock, events } = breakerWithClock(3, 1000);
    for (let i = 0; i < 3; i++) breaker.recordFailure();

    expect(breaker.state).toBe('open');
    expect(events).toEqual(['open']);
    clock.now = 999;
    expect(breaker.allow()).toBe(false);
  });

  it('lets exactly one probe through after the cooldown', () => {
    const { breaker, clock } = breakerWithClock(1, 1000);
    breaker.recordFailure();
    clock.now = 1000;

    expect(breaker.allow()).toBe(true);
    expect(breaker.state).toBe('half_open');
    expect(breaker.allow()).toBe(false);
  });

  it('closes when the probe succeeds and reports it', () => {
    const { breaker, clock, events } = breakerWithClock(1, 1000);
    breaker.recordFailure();
    clock.now = 1000;
    breaker.allow();

    breaker.recordSuccess();

    expect(breaker.state).toBe('closed');
    expect(breaker.allow()).toBe(true);
    expect(events).toEqual(['open', 'close']);
  });

  it('reopens for a full cooldown when the probe fails', () => {
    const { breaker, clock } = breakerWithClock(3, 1000);
    for (let i = 0; i < 3; i++) breaker.recordFailure();
    clock.now = 1000;
    breaker.allow();

    breaker.recordFailure();

    expect(breaker.state).toBe('open');
    clock.now = 1999;
    expect(breaker.allow()).toBe(false);
    clock.now = 2000;
    expect(breaker.allow()).toBe(true);
  });
});
