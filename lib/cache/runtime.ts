import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { ChainableCommander } from 'ioredis';
import { getConfig } from '../config/index.js';
import { getLogger } from '../logger/index.js';
import { ensureRedisConnected, getRedisSubscriber, type RedisClient } from '../redis/index.js';
import { CircuitBreaker, type BreakerState } from './breaker.js';
import type { CacheCounters, RedisCounters } from './counters.js';
import { MAX_ENTRY_LIFETIME_MS } from './definition.js';
import { decodeMessage, encodeClearedMessage, encodeGroupsMessage, encodeKeyMessage, encodeKeysMessage } from './messages.js';
import { BUMP_GROUPS, runScript } from './scripts.js';

/**
 * What the caches of one function instance share: the Redis circuit breaker, the bus (pub/sub
 * subscription that carries invalidations and "value ready" signals between instances), the
 * registry of named caches the bus dispatches to, and the invalidations waiting for Redis to
 * come back. Created on first use, so importing a module that defines caches opens no connection.
 */

/**
 * Group version keys expire so that groups nobody invalidates any more do not pile up. Expiry
 * resets a version to 0, which could revive an entry stored under version 0 before the last bump;
 * keeping versions twice as long as any entry can live rules that out.
 */
export const GROUP_VERSION_TTL_MS = 2 * MAX_ENTRY_LIFETIME_MS;
/** Invalidations kept for replay while Redis is unreachable; beyond this, entries age out by TTL. */
const MAX_PENDING_INVALIDATIONS = 10_000;

/** Returned instead of a result when Redis was not asked (breaker open) or did not answer. */
export const UNAVAILABLE: unique symbol = Symbol('redis unavailable');

export type Invalidation = { kind: 'key'; cache: string; key: string } | { kind: 'group'; group: string };

export interface InvalidationEvent {
  /** `local`: this instance invalidated; `remote`: another instance's message was applied. */
  source: 'local' | 'remote';
  cache?: string;
  key?: string;
  group?: string;
}

/** The part of a named cache the runtime calls into when messages arrive and reports counters of. */
export interface CacheMember {
  readonly name: string;
  readonly counters: CacheCounters;
  dropKey(key: string): void;
  dropGroups(groups: readonly string[]): void;
  dropAll(): void;
  clearL1(): void;
}

export type BusState = 'idle' | 'connecting' | 'listening';

const caches = new Map<string, CacheMember>();

export function registerCache(cache: CacheMember): void {
  if (caches.has(cache.name)) throw new Error(`A cache named "${cache.name}" already exists in this instance`);
  caches.set(cache.name, cache);
}

export function registeredCaches(): IterableIterator<CacheMember> {
  return caches.values();
}

/** A literal for a Redis MATCH pattern: its glob characters escaped. */
const globEscape = (text: string): string => text.replace(/[*?[\]\\]/g, '\\$&');

export async function execPipeline(pipeline: ChainableCommander): Promise<unknown[]> {
  const results = await pipeline.exec();
  if (!results) throw new Error('Redis pipeline was aborted');
  return results.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

export class CacheRuntime {
  /** Tells this instance's bus messages apart from other instances'. */
  readonly instanceId = randomBytes(6).toString('base64url');
  readonly prefix: string;
  readonly channel: string;
  readonly breaker: CircuitBreaker;
  /** Errors of operations that belong to no single cache (group invalidation, replay). */
  readonly sharedCounters: RedisCounters = { errors: 0, l2_bypassed: 0 };

  private busState: BusState = 'idle';
  private firstSubscription: Promise<void> | undefined;
  /** Whether the bus was listening before: a subscription is then a resubscription after a gap. */
  private hasListened = false;
  private readonly events = new EventEmitter();
  private readonly readyWaiters = new Map<string, Set<() => void>>();
  private readonly pending = new Map<string, Invalidation>();
  private replaying = false;

  constructor() {
    const config = getConfig();
    this.prefix = config.cache.prefix;
    this.channel = `${this.prefix}:bus`;
    this.breaker = new CircuitBreaker({
      threshold: config.cache.breakerThreshold,
      cooldownMs: config.cache.breakerCooldownMs,
      onOpen: () => getLogger().warn('Cache circuit opened: reads bypass Redis', { cooldownMs: config.cache.breakerCooldownMs }),
      onClose: () => {
        getLogger().info('Cache circuit closed: Redis is back');
        void this.replayPending();
      },
    });
  }

  valueKey(cache: string, key: string): string {
    return `${this.prefix}:${cache}:${key}`;
  }

  lockKey(cache: string, key: string): string {
    return `${this.prefix}:lock:${cache}:${key}`;
  }

  groupKey(group: string): string {
    return `${this.prefix}:group:${group}`;
  }

  get busStatus(): BusState {
    return this.busState;
  }

  get pendingInvalidations(): number {
    return this.pending.size;
  }

  /**
   * Runs a Redis operation through the circuit breaker. Failures are counted, never thrown: the
   * cache treats an unreachable Redis as a miss and goes to the loader.
   */
  async call<T>(counters: RedisCounters, operation: (redis: RedisClient) => Promise<T>): Promise<T | typeof UNAVAILABLE> {
    if (this.busState === 'idle') this.connectBus().catch(() => undefined);
    const outcome = await this.breaker.run(async () => operation(await ensureRedisConnected()));
    if (outcome.ok) {
      // A failure too short to open the breaker left invalidations queued: Redis answers again.
      if (this.pending.size > 0 && !this.replaying) void this.replayPending();
      return outcome.value;
    }
    if (outcome.bypassed) {
      counters.l2_bypassed++;
    } else {
      counters.errors++;
      getLogger().debug('Cache Redis operation failed', { error: errorMessage(outcome.error) });
    }
    return UNAVAILABLE;
  }

  /**
   * Starts listening on the bus; resolves once the first subscription is active. The first
   * subscription empties L1 (anything cached before it was never covered by the bus). A
   * resubscription, after the bus was lost, drops every cache from this instance, loads in
   * progress included (they will not be stored): messages sent during the gap are lost, so nothing
   * cached or read before it can be trusted. Loads in progress at the first subscription are
   * stored: they are this instance's first reads, which start the bus themselves.
   */
  connectBus(): Promise<void> {
    if (this.firstSubscription) return this.firstSubscription;
    const subscriber = getRedisSubscriber();
    this.busState = 'connecting';
    this.firstSubscription = new Promise<void>((resolve, reject) => {
      subscriber.on('ready', () => {
        subscriber.subscribe(this.channel).then(
          () => {
            this.busState = 'listening';
            for (const cache of caches.values()) {
              if (this.hasListened) cache.dropAll();
              else cache.clearL1();
            }
            this.hasListened = true;
            // A first connection that failed left a rejected promise behind; we listen now.
            this.firstSubscription = Promise.resolve();
            resolve();
          },
          (error: unknown) => {
            getLogger().warn('Cache bus subscription failed', { error: errorMessage(error) });
          },
        );
      });
      subscriber.connect().catch((error: unknown) => reject(error instanceof Error ? error : new Error(String(error))));
    });
    subscriber.on('close', () => {
      if (this.busState === 'listening') this.busState = 'connecting';
    });
    subscriber.on('end', () => {
      // closeRedis() ended the connection: start over on next use, as a new instance would.
      this.busState = 'idle';
      this.firstSubscription = undefined;
      this.hasListened = false;
    });
    subscriber.on('message', (_channel: string, text: string) => this.onMessage(text));
    return this.firstSubscription;
  }

  private onMessage(text: string): void {
    const message = decodeMessage(text);
    if (!message || message.origin === this.instanceId) return;
    if (message.kind === 'ready') {
      this.wakeWaiters(message.cache, message.key);
      return;
    }
    if (message.kind === 'key') {
      caches.get(message.cache)?.dropKey(message.key);
      this.emit({ source: 'remote', cache: message.cache, key: message.key });
    } else if (message.kind === 'keys') {
      const cache = caches.get(message.cache);
      for (const key of message.keys) {
        cache?.dropKey(key);
        this.emit({ source: 'remote', cache: message.cache, key });
      }
    } else if (message.kind === 'cleared') {
      for (const name of message.caches) {
        caches.get(name)?.dropAll();
        this.emit({ source: 'remote', cache: name });
      }
    } else {
      for (const cache of caches.values()) cache.dropGroups(message.groups);
      for (const group of message.groups) this.emit({ source: 'remote', group });
    }
  }

  /** Resolves when another instance signals the key's value is stored, or after `timeoutMs`. */
  waitForReady(cache: string, key: string, timeoutMs: number): Promise<void> {
    const id = `${cache}|${key}`;
    return new Promise<void>((resolve) => {
      let waiters = this.readyWaiters.get(id);
      if (!waiters) {
        waiters = new Set();
        this.readyWaiters.set(id, waiters);
      }
      const set = waiters;
      const wake = (): void => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.readyWaiters.get(id) === set) this.readyWaiters.delete(id);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      set.add(wake);
    });
  }

  private wakeWaiters(cache: string, key: string): void {
    const waiters = this.readyWaiters.get(`${cache}|${key}`);
    if (waiters) for (const wake of waiters) wake();
  }

  readyMessage(cache: string, key: string): string {
    return encodeKeyMessage(this.instanceId, 'ready', cache, key);
  }

  /** One message announcing that `keys` of `cache` changed (a warm): receivers drop them from L1. */
  keysMessage(cache: string, keys: readonly string[]): string {
    return encodeKeysMessage(this.instanceId, cache, keys);
  }

  keyMessage(cache: string, key: string): string {
    return encodeKeyMessage(this.instanceId, 'key', cache, key);
  }

  /**
   * Deletes keys / bumps group versions in Redis and publishes them to the other instances.
   * The caller has already dropped its own L1 entries. If Redis is unreachable the invalidations
   * are queued and replayed as soon as Redis answers again (the circuit closes, or, after a failure
   * too short to open it, the next call succeeds). Until then the other instances keep
   * their L1 copies (at most their L1 TTL) and L2 keeps the old value, which nobody can read while
   * Redis is down; replay removes it before it can be served again, as long as this instance lives.
   * An instance that dies with a queue loses it: those entries then live until their TTL.
   */
  async invalidate(counters: RedisCounters, invalidations: readonly Invalidation[]): Promise<boolean> {
    for (const invalidation of invalidations) {
      this.emit(invalidation.kind === 'key' ? { source: 'local', cache: invalidation.cache, key: invalidation.key } : { source: 'local', group: invalidation.group });
    }
    const result = await this.call(counters, (redis) => this.sendInvalidations(redis, invalidations));
    if (result !== UNAVAILABLE) return true;
    for (const invalidation of invalidations) this.queue(invalidation);
    return false;
  }

  /**
   * Deletes every entry the named caches hold in Redis (SCAN and UNLINK, a few hundred keys per
   * round trip: an operator's action, never on a request's path) and tells every instance to
   * empty its L1 of them. False if Redis was unreachable: nothing is queued, the entries then
   * age out by their TTL.
   */
  async clear(counters: RedisCounters, cacheNames: readonly string[]): Promise<boolean> {
    for (const name of cacheNames) this.emit({ source: 'local', cache: name });
    const result = await this.call(counters, async (redis) => {
      for (const name of cacheNames) {
        const match = `${globEscape(this.valueKey(name, ''))}*`;
        for await (const keys of redis.scanStream({ match, count: 500 }) as AsyncIterable<string[]>) {
          if (keys.length > 0) await redis.unlink(...keys);
        }
      }
      await redis.publish(this.channel, encodeClearedMessage(this.instanceId, cacheNames));
    });
    return result !== UNAVAILABLE;
  }

  /**
   * At most two round trips whatever the number of invalidations: the keys in one pipeline, the
   * groups in one script (BUMP_GROUPS) that bumps them all and publishes a single bus message.
   */
  private async sendInvalidations(redis: RedisClient, invalidations: readonly Invalidation[]): Promise<void> {
    const groupKeys: string[] = [];
    const groups: string[] = [];
    const pipeline = redis.pipeline();
    for (const invalidation of invalidations) {
      if (invalidation.kind === 'key') {
        pipeline.del(this.valueKey(invalidation.cache, invalidation.key));
        pipeline.publish(this.channel, this.keyMessage(invalidation.cache, invalidation.key));
      } else {
        groups.push(invalidation.group);
        groupKeys.push(this.groupKey(invalidation.group));
      }
    }
    await Promise.all([
      pipeline.length > 0 ? execPipeline(pipeline) : undefined,
      groups.length > 0
        ? runScript(redis, BUMP_GROUPS, groupKeys, [GROUP_VERSION_TTL_MS, this.channel, encodeGroupsMessage(this.instanceId, groups)])
        : undefined,
    ]);
  }

  private queue(invalidation: Invalidation): void {
    const id = invalidation.kind === 'key' ? `k|${invalidation.cache}|${invalidation.key}` : `g|${invalidation.group}`;
    if (this.pending.size >= MAX_PENDING_INVALIDATIONS && !this.pending.has(id)) {
      getLogger().error('Cache invalidation queue is full; the invalidation is dropped and the entry lives until its TTL', { invalidation });
      return;
    }
    this.pending.set(id, invalidation);
  }

  private async replayPending(): Promise<void> {
    if (this.pending.size === 0 || this.replaying) return;
    this.replaying = true;
    const invalidations = [...this.pending.values()];
    this.pending.clear();
    try {
      const result = await this.call(this.sharedCounters, (redis) => this.sendInvalidations(redis, invalidations));
      if (result === UNAVAILABLE) for (const invalidation of invalidations) this.queue(invalidation);
      else getLogger().info('Replayed cache invalidations queued while Redis was unreachable', { count: invalidations.length });
    } finally {
      this.replaying = false;
    }
  }

  onInvalidation(listener: (event: InvalidationEvent) => void): () => void {
    this.events.on('invalidation', listener);
    return () => this.events.off('invalidation', listener);
  }

  private emit(event: InvalidationEvent): void {
    if (this.events.listenerCount('invalidation') > 0) this.events.emit('invalidation', event);
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }
}

let runtime: CacheRuntime | undefined;

export function getCacheRuntime(): CacheRuntime {
  runtime ??= new CacheRuntime();
  return runtime;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
