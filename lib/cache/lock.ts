import { randomBytes } from 'node:crypto';
import type { RedisCounters } from './counters.js';
import { toL2Read, type KeyLock, type L2Read } from './l2.js';
import { UNAVAILABLE, execPipeline, getCacheRuntime, type CacheRuntime } from './runtime.js';
import { EXTEND, RELEASE, runScript } from './scripts.js';

/**
 * The fleet-wide stampede lock of one cache's keys (`P:lock:N:K`, SET NX PX with a random owner
 * token): the instance holding a key's lock loads it, the others wait for its "ready" message.
 * The owner checks run as scripts (scripts.ts) so a lock that expired and was taken again is never
 * released or extended by its former owner.
 */

export interface LockAttempt {
  acquired: boolean;
  /** The key as read in the same round trip as the attempt. */
  read: L2Read;
}

export class StampedeLocks {
  constructor(
    private readonly cacheName: string,
    private readonly counters: RedisCounters,
    private readonly ttlMs: number,
  ) {}

  private get runtime(): CacheRuntime {
    return getCacheRuntime();
  }

  /** This instance's claim on the lock of `key`, with a fresh owner token; nothing is taken yet. */
  forKey(key: string): KeyLock {
    return { key: this.runtime.lockKey(this.cacheName, key), token: randomBytes(12).toString('base64url') };
  }

  /**
   * Tries to take the lock and re-reads the key in one pipeline, so a lock freed by an owner that
   * has just stored the value is never mistaken for a free key.
   */
  async tryTake(lock: KeyLock, readKeys: string[]): Promise<LockAttempt | typeof UNAVAILABLE> {
    const attempt = await this.runtime.call(this.counters, (redis) =>
      execPipeline(redis.pipeline().set(lock.key, lock.token, 'PX', this.ttlMs, 'NX').mget(readKeys)),
    );
    if (attempt === UNAVAILABLE) return UNAVAILABLE;
    return { acquired: attempt[0] === 'OK', read: toL2Read(attempt[1] as (string | null)[]) };
  }

  /** Extends the lock while a slow loader runs, so no other instance starts a second load. */
  keepAlive(lock: KeyLock): NodeJS.Timeout {
    const timer = setInterval(() => {
      void this.runtime.call(this.counters, (redis) => runScript(redis, EXTEND, [lock.key], [lock.token, this.ttlMs])).then((extended) => {
        if (extended === 0) clearInterval(timer);
      });
    }, Math.max(1, Math.floor(this.ttlMs / 2)));
    timer.unref();
    return timer;
  }

  /** Frees the lock if still held; `wakeWaiters` tells the waiting instances to try again now (the load failed or was not stored). */
  async release(key: string, lock: KeyLock, { wakeWaiters }: { wakeWaiters: boolean }): Promise<void> {
    const runtime = this.runtime;
    const message = wakeWaiters ? runtime.readyMessage(this.cacheName, key) : '';
    await runtime.call(this.counters, (redis) => runScript(redis, RELEASE, [lock.key], [lock.token, runtime.channel, message]));
  }

  /** Resolves when the lock's owner signals the key is ready, or after `timeoutMs`. */
  waitForOwner(key: string, timeoutMs: number): Promise<void> {
    return this.runtime.waitForReady(this.cacheName, key, timeoutMs);
  }
}
