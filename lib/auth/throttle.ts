import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { CircuitBreaker } from '../cache/breaker.js';
import { getConfig } from '../config/index.js';
import { TooManyRequestsError } from '../errors/index.js';
import { getLogger } from '../logger/index.js';
import { ensureRedisConnected, keySpace, luaScript, runScript, type RedisClient } from '../redis/index.js';

/**
 * Login throttling: at most `maxPerUsername` failed sign-ins for one username, and `maxPerSource`
 * from one source IP, per window (lib/config `LOGIN_THROTTLE_*`); beyond that the login answers 429
 * with `Retry-After` until the window of the exhausted counter ends.
 *
 * Counters live in Redis so the limits hold fleet-wide, and each attempt *reserves* its place
 * atomically before the password is checked (one script: refuse if any counter is at its limit,
 * else count the attempt on every counter). So concurrent guesses cannot slip past a limit between
 * a check and an increment: at most `limit` passwords per counter and window are ever verified.
 * A successful login then gives its reservation back: the username's counter is cleared, and the
 * source's is decremented (a source's other failures stay counted, so a valid account of one's own
 * cannot reset a source's guessing budget). An attempt that fails for another reason (the database
 * is down) gives both back.
 *
 * Counters are keyed by the normalized username whether or not it exists, and checked before the
 * user is looked up, so the answer (429 or not, its message and Retry-After) is the same for real
 * and unknown usernames.
 *
 * Redis unreachable: logins keep working and stay throttled, per instance. Each instance counts in
 * memory with the same rules while a circuit breaker (the cache's, same thresholds) keeps failed
 * Redis calls from adding a timeout to every login; the fleet-wide limit becomes a limit per
 * instance until Redis answers again (counts made in memory are not carried over). Refusing every
 * login instead would turn a cache outage into a sign-in outage.
 */

/** The outcome of a reservation: `retryAfterMs` is 0 when the attempt may proceed. */
interface Reservation {
  retryAfterMs: number;
}

interface Counter {
  key: string;
  limit: number;
  /** Whether a successful login clears the counter (username) or only gives its own attempt back (source). */
  onSuccess: 'clear' | 'give-back';
}

/**
 * KEYS: counters. ARGV: window ms, then one limit per counter. Returns 0 after counting the
 * attempt on every counter, or, when any counter is at its limit, the milliseconds until the
 * longest-blocked one expires (counting nothing).
 */
const RESERVE = luaScript(`
local window = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[i + 1]) then
    local ttl = redis.call('PTTL', key)
    if ttl < 0 then
      redis.call('PEXPIRE', key, window)
      ttl = window
    end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, window) end
end
return 0
`);

/** KEYS: counters. ARGV: per counter, 'clear' (delete it) or 'give-back' (one attempt less, deleted at zero). */
const RELEASE = luaScript(`
for i, key in ipairs(KEYS) do
  if ARGV[i] == 'clear' then
    redis.call('DEL', key)
  elseif redis.call('DECR', key) <= 0 then
    redis.call('DEL', key)
  end
end
return 0
`);

/** The same rules in this instance's memory, used while Redis is unreachable. */
class MemoryCounters {
  private readonly counts = new LRUCache<string, { count: number; expiresAt: number }>({ max: 10_000 });

  constructor(private readonly now: () => number) {}

  reserve(counters: readonly Counter[], windowMs: number): Reservation {
    const now = this.now();
    const current = counters.map(({ key }) => {
      const entry = this.counts.get(key);
      return entry && entry.expiresAt > now ? entry : undefined;
    });
    const wait = Math.max(0, ...current.map((entry, i) => (entry && entry.count >= counters[i]!.limit ? entry.expiresAt - now : 0)));
    if (wait > 0) return { retryAfterMs: wait };
    counters.forEach(({ key }, i) => {
      const entry = current[i];
      this.counts.set(key, entry ? { count: entry.count + 1, expiresAt: entry.expiresAt } : { count: 1, expiresAt: now + windowMs });
    });
    return { retryAfterMs: 0 };
  }

  release(counters: readonly Counter[], modes: readonly ('clear' | 'give-back')[]): void {
    counters.forEach(({ key }, i) => {
      const entry = this.counts.get(key);
      if (!entry || modes[i] === 'clear' || entry.count <= 1) this.counts.delete(key);
      else entry.count -= 1;
    });
  }
}

export interface LoginAttempt {
  /** The credentials were right: give the reservation back as described above. */
  succeeded(): Promise<void>;
  /** The attempt ended without an answer about the password (e.g. the database failed): give it all back. */
  abandoned(): Promise<void>;
}

export interface LoginThrottleOptions {
  /** Monotonic milliseconds for the in-memory fallback; injectable for tests. */
  now?: () => number;
}

export class LoginThrottle {
  private readonly memory: MemoryCounters;
  private readonly breaker: CircuitBreaker;

  constructor(options: LoginThrottleOptions = {}) {
    const now = options.now ?? (() => performance.now());
    const { breakerThreshold, breakerCooldownMs } = getConfig().cache;
    this.memory = new MemoryCounters(now);
    this.breaker = new CircuitBreaker({
      threshold: breakerThreshold,
      cooldownMs: breakerCooldownMs,
      now,
      onOpen: () => getLogger().warn('login throttling counts per instance while Redis is unreachable'),
      onClose: () => getLogger().info('login throttling counts in Redis again'),
    });
  }

  /** Where the counters are kept right now: Redis, or this instance's memory while Redis is unreachable. */
  get store(): 'redis' | 'memory' {
    return this.breaker.state === 'closed' ? 'redis' : 'memory';
  }

  /**
   * Reserves one login attempt for `username` from `sourceIp` (absent for callers without one, such
   * as direct invocations: then only the username is counted), or throws `TooManyRequestsError`.
   */
  async begin(username: string, sourceIp: string | undefined): Promise<LoginAttempt> {
    const { windowS, maxPerUsername, maxPerSource } = getConfig().auth.loginThrottle;
    const counters = countersFor(username, sourceIp, maxPerUsername, maxPerSource);
    const windowMs = windowS * 1000;
    const { retryAfterMs } = await this.withStore(
      (redis) => runScript(redis, RESERVE, counters.map((c) => c.key), [windowMs, ...counters.map((c) => c.limit)]).then((wait) => ({ retryAfterMs: Number(wait) })),
      () => this.memory.reserve(counters, windowMs),
    );
    if (retryAfterMs > 0) {
      const retryAfterS = Math.max(1, Math.ceil(retryAfterMs / 1000));
      throw new TooManyRequestsError(`Too many failed sign-in attempts; try again in ${retryAfterS} seconds`, retryAfterS);
    }
    const release = (modes: ('clear' | 'give-back')[]) =>
      this.withStore(
        (redis) => runScript(redis, RELEASE, counters.map((c) => c.key), modes),
        () => this.memory.release(counters, modes),
      ).catch((error: unknown) => getLogger().warn('could not release a login reservation', { error }));
    return {
      succeeded: () => release(counters.map((c) => c.onSuccess)).then(() => undefined),
      abandoned: () => release(counters.map(() => 'give-back')).then(() => undefined),
    };
  }

  private async withStore<T>(inRedis: (redis: RedisClient) => Promise<T>, inMemory: () => T): Promise<T> {
    const outcome = await this.breaker.run(async () => inRedis(await ensureRedisConnected()));
    if (outcome.ok) return outcome.value;
    if (!outcome.bypassed) getLogger().debug('login throttling fell back to memory', { error: String(outcome.error) });
    return inMemory();
  }
}

function countersFor(username: string, sourceIp: string | undefined, maxPerUsername: number, maxPerSource: number): Counter[] {
  const prefix = keySpace('login-throttle');
  // Hashed: a username is user input of any length and content; the key stays short and uniform.
  const user = createHash('sha256').update(username.trim().toLowerCase()).digest('hex').slice(0, 32);
  const counters: Counter[] = [{ key: `${prefix}:user:${user}`, limit: maxPerUsername, onSuccess: 'clear' }];
  const source = sourceIp?.trim();
  if (source) counters.push({ key: `${prefix}:source:${source.slice(0, 64)}`, limit: maxPerSource, onSuccess: 'give-back' });
  return counters;
}

let instance: LoginThrottle | undefined;

/** The instance's throttle (its breaker and in-memory counters live as long as the instance). */
export function getLoginThrottle(): LoginThrottle {
  instance ??= new LoginThrottle();
  return instance;
}
