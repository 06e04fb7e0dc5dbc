import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../../lib/auth/throttle.js';
import { TooManyRequestsError } from '../../../lib/errors/index.js';
import { closeRedis } from '../../../lib/redis/index.js';
import { setEnv } from '../../helpers/config.js';

/**
 * The throttle's in-memory counting, which takes over while Redis is unreachable: Redis is pointed
 * at a port nobody listens on, and the clock is the test's. (The Redis counting itself is tested
 * on the real Redis in test/integration/auth.)
 */

const WINDOW_S = 60;
let restoreEnv = (): void => {};

beforeAll(() => {
  restoreEnv = setEnv({
    REDIS_URL: 'redis://127.0.0.1:1',
    REDIS_CONNECT_TIMEOUT_MS: '100',
    CACHE_BREAKER_THRESHOLD: '1',
    LOGIN_THROTTLE_WINDOW_S: String(WINDOW_S),
    LOGIN_THROTTLE_MAX_PER_USERNAME: '2',
    LOGIN_THROTTLE_MAX_PER_SOURCE: '3',
  });
});

afterAll(async () => {
  await closeRedis();
  restoreEnv();
});

function throttleAt(clock: { now: number }) {
  return new LoginThrottle({ now: () => clock.now });
}

const refusal = (attempt: Promise<unknown>) => attempt.then(() => undefined, (error: unknown) => error);

describe('login throttling in memory (Redis unreachable)', () => {
  it('allows the limit of attempts per username, then refuses with the rest of the window as Retry-After, and allows again after it', async () => {
    const clock = { now: 0 };
    const throttle = throttleAt(clock);

    await throttle.begin('alice', undefined);
    clock.now += 10_000;
    await throttle.begin('ALICE ', undefined);
    const refused = await refusal(throttle.begin('alice', undefined));

    expect(throttle.store).toBe('memory');
    expect(refused).toBeInstanceOf(TooManyRequestsError);
    // The window started with the first attempt, 10 s ago.
    expect((refused as TooManyRequestsError).retryAfterS).toBe(WINDOW_S - 10);
    clock.now += (WINDOW_S - 10) * 1000;
    await expect(throttle.begin('alice', undefined)).resolves.toBeDefined();
  });

  it('counts a source across usernames, and a success gives back only its own attempt there', async () => {
    const clock = { now: 0 };
    const throttle = throttleAt(clock);

    await throttle.begin('a', '192.0.2.1');
    const success = await throttle.begin('b', '192.0.2.1');
    await success.succeeded();
    await throttle.begin('c', '192.0.2.1');
    await throttle.begin('d', '192.0.2.1');

    await expect(refusal(throttle.begin('e', '192.0.2.1'))).resolves.toBeInstanceOf(TooManyRequestsError);
    await expect(throttle.begin('e', '192.0.2.2')).resolves.toBeDefined();
  });

  it("clears a username's failures on success", async () => {
    const throttle = throttleAt({ now: 0 });

    await throttle.begin('bob', undefined);
    await (await throttle.begin('bob', undefined)).succeeded();

    await throttle.begin('bob', undefined);
    await throttle.begin('bob', undefined);
    await expect(refusal(throttle.begin('bob', undefined))).resolves.toBeInstanceOf(TooManyRequestsError);
  });
});
