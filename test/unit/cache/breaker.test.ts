import { describe, expect, it } from 'vitest';
import { CircuitBreaker, type BreakerPermit } from '../../../lib/cache/breaker.js';

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

/** A permit for a call the test expects to be let through. */
function permitOf(breaker: CircuitBreaker): BreakerPermit {
  const permit = breaker.allow();
  if (!permit) throw new Error('expected the breaker to let the call through');
  return permit;
}

/** Calls that each start and fail in turn. */
function failCalls(breaker: CircuitBreaker, count: number): void {
  for (let i = 0; i < count; i++) breaker.recordFailure(permitOf(breaker));
}

describe('CircuitBreaker', () => {
  it('stays closed below the threshold of consecutive failures', () => {
    const { breaker } = breakerWithClock(3);
    failCalls(breaker, 2);
    expect(breaker.state).toBe('closed');
    expect(breaker.allow()).toBeDefined();
  });

  it('counts only consecutive failures: a success resets the count', () => {
    const { breaker } = breakerWithClock(3);
    failCalls(breaker, 2);
    breaker.recordSuccess(permitOf(breaker));
    failCalls(breaker, 2);
    expect(breaker.state).toBe('closed');
  });

  it('opens at the threshold and refuses calls until the cooldown has passed', () => {
    const { breaker, clock, events } = breakerWithClock(3, 1000);
    failCalls(breaker, 3);

    expect(breaker.state).toBe('open');
    expect(events).toEqual(['open']);
    clock.now = 999;
    expect(breaker.allow()).toBeUndefined();
  });

  it('lets exactly one probe through after the cooldown', () => {
    const { breaker, clock } = breakerWithClock(1, 1000);
    failCalls(breaker, 1);
    clock.now = 1000;

    expect(breaker.allow()).toEqual({ epoch: expect.any(Number) as number, probe: true });
    expect(breaker.state).toBe('half_open');
    expect(breaker.allow()).toBeUndefined();
  });

  it('closes when the probe succeeds and reports it', () => {
    const { breaker, clock, events } = breakerWithClock(1, 1000);
    failCalls(breaker, 1);
    clock.now = 1000;
    const probe = permitOf(breaker);

    breaker.recordSuccess(probe);

    expect(breaker.state).toBe('closed');
    expect(breaker.allow()).toBeDefined();
    expect(events).toEqual(['open', 'close']);
  });

  it('reopens for a full cooldown when the probe fails', () => {
    const { breaker, clock } = breakerWithClock(3, 1000);
    failCalls(breaker, 3);
    clock.now = 1000;
    const probe = permitOf(breaker);

    breaker.recordFailure(probe);

    expect(breaker.state).toBe('open');
    clock.now = 1999;
    expect(breaker.allow()).toBeUndefined();
    clock.now = 2000;
    expect(breaker.allow()).toBeDefined();
  });

  it('stays open when a call that started before it opened succeeds afterwards', () => {
    const { breaker, clock, events } = breakerWithClock(3, 1000);
    const slowCall = permitOf(breaker);
    failCalls(breaker, 3);

    breaker.recordSuccess(slowCall);

    expect(breaker.state).toBe('open');
    expect(events).toEqual(['open']);
    clock.now = 999;
    expect(breaker.allow()).toBeUndefined();
  });

  it('lets only the probe close the half-open circuit, not an older call succeeding meanwhile', () => {
    const { breaker, clock, events } = breakerWithClock(3, 1000);
    const slowCall = permitOf(breaker);
    failCalls(breaker, 3);
    clock.now = 1000;
    const probe = permitOf(breaker);

    breaker.recordSuccess(slowCall);
    expect(breaker.state).toBe('half_open');
    expect(breaker.allow()).toBeUndefined();

    breaker.recordSuccess(probe);
    expect(breaker.state).toBe('closed');
    expect(events).toEqual(['open', 'close']);
  });

  it('does not fail the probe, nor extend the cooldown, when an older call fails late', () => {
    const { breaker, clock } = breakerWithClock(3, 1000);
    const slowCalls = [permitOf(breaker), permitOf(breaker)];
    failCalls(breaker, 3);

    clock.now = 500;
    breaker.recordFailure(slowCalls[0]!);
    clock.now = 1000;
    const probe = permitOf(breaker);
    breaker.recordFailure(slowCalls[1]!);

    expect(breaker.state).toBe('half_open');
    breaker.recordSuccess(probe);
    expect(breaker.state).toBe('closed');
  });

  it('does not count a failure from before the last close against the closed circuit', () => {
    const { breaker, clock } = breakerWithClock(1, 1000);
    const slowCall = permitOf(breaker);
    failCalls(breaker, 1);
    clock.now = 1000;
    breaker.recordSuccess(permitOf(breaker));

    breaker.recordFailure(slowCall);

    expect(breaker.state).toBe('closed');
  });

  it('runs an operation through the circuit: its value, its failure (counted), then bypassed without calling it once open', async () => {
    const { breaker } = breakerWithClock(2);
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Error('redis down'));
    };

    await expect(breaker.run(() => Promise.resolve(42))).resolves.toEqual({ ok: true, value: 42 });
    const failed = await breaker.run(failing);
    await breaker.run(failing);
    const bypassed = await breaker.run(failing);

    expect(failed).toMatchObject({ ok: false, bypassed: false, error: new Error('redis down') });
    expect(bypassed).toEqual({ ok: false, bypassed: true });
    expect(calls).toBe(2);
    expect(breaker.state).toBe('open');
  });
});
