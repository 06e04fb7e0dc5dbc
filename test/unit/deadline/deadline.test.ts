import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settleWithin } from '../../../lib/deadline/index.js';

describe('settleWithin', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
  afterEach(() => vi.useRealTimers());

  /** A promise that settles `ms` from now with `outcome`'s value, or the error it throws. */
  const after = <T>(ms: number, outcome: () => T) => new Promise<T>((resolve) => setTimeout(() => resolve(Promise.resolve().then(outcome)), ms));

  it("settles with the work's value when the work finishes first", async () => {
    const settled = settleWithin(after(10, () => 'work'), 20, () => 'expired');
    await vi.advanceTimersByTimeAsync(10);
    await expect(settled).resolves.toBe('work');
    expect(vi.getTimerCount()).toBe(0);
  });

  it("settles with the work's error when the work fails first", async () => {
    const settled = settleWithin(after(10, () => { throw new Error('refused'); }), 20, () => 'expired');
    const outcome = expect(settled).rejects.toThrow('refused');
    await vi.advanceTimersByTimeAsync(10);
    await outcome;
  });

  it("settles with the expiry's value once the time has passed", async () => {
    const settled = settleWithin(after(50, () => 'work'), 20, () => 'expired');
    await vi.advanceTimersByTimeAsync(20);
    await expect(settled).resolves.toBe('expired');
  });

  it("rejects with the error the expiry throws, and swallows the work's late failure", async () => {
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const settled = settleWithin(after(50, () => { throw new Error('late'); }), 20, () => { throw new Error('took too long'); });
      const outcome = expect(settled).rejects.toThrow('took too long');
      await vi.advanceTimersByTimeAsync(20);
      await outcome;
      await vi.advanceTimersByTimeAsync(30);
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('expires at once when the time is already spent', async () => {
    const settled = settleWithin(new Promise<string>(() => undefined), -5, () => 'expired');
    await vi.advanceTimersByTimeAsync(0);
    await expect(settled).resolves.toBe('expired');
  });
});
