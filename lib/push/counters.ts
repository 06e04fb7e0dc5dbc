import { ensureRedisConnected, luaScript, runScript } from '../redis/index.js';
import { pushKeys } from './keys.js';
import type { PushData } from './messages.js';

/**
 * The fleet's ingestion counters, coalesced to at most one `fleet.counters` message per
 * FLEET_COUNTERS_INTERVAL_MS fleet-wide, however many ingest instances run. Every batch adds its
 * counts to one accumulator in Redis; the batch that finds the interval elapsed since the last
 * message takes the sums (resetting them in the same atomic step) and publishes them. So the
 * first batch after a quiet spell is published at once, and a steady stream once a second.
 *
 * The message's counts are those since the previous message; its rate divides the events by the
 * time since that message, or by one interval after a pause (a batch arriving after ten quiet
 * minutes is a burst now, not a trickle over ten minutes).
 */

const FLEET_COUNTERS_INTERVAL_MS = 1000;
/** The accumulator outlives any pause worth remembering; after this the next batch starts afresh. */
const ACCUMULATOR_TTL_MS = 3_600_000;

export interface FleetCounts {
  events: number;
  tripsStarted: number;
  tripsEnded: number;
  deadLettered: number;
}

const FIELDS = ['events', 'tripsStarted', 'tripsEnded', 'deadLettered'] as const satisfies readonly (keyof FleetCounts)[];

/**
 * KEYS[1] the accumulator (hash of the counts and `last`, the time of the last message).
 * ARGV now, interval, ttl, then one increment per field. Returns nil, or {last or -1, counts...}
 * when this call takes the sums.
 */
const ADD_AND_TAKE = luaScript(`
local key = KEYS[1]
local now = tonumber(ARGV[1])
local fields = {'events', 'tripsStarted', 'tripsEnded', 'deadLettered'}
for i, field in ipairs(fields) do
  redis.call('HINCRBY', key, field, ARGV[3 + i])
end
redis.call('PEXPIRE', key, ARGV[3])
local last = tonumber(redis.call('HGET', key, 'last'))
if last and now - last < tonumber(ARGV[2]) then return nil end
local counts = redis.call('HMGET', key, unpack(fields))
redis.call('HSET', key, 'last', now, 'events', 0, 'tripsStarted', 0, 'tripsEnded', 0, 'deadLettered', 0)
return {last or -1, counts[1], counts[2], counts[3], counts[4]}
`);

export interface TakenCounts {
  counts: FleetCounts;
  /** When the previous message was taken (epoch ms), undefined for the first. */
  previousAt: number | undefined;
  at: number;
}

/**
 * Adds a batch's counts to the fleet's accumulator; returns the sums when this call is the one
 * that publishes them (the interval has elapsed), else undefined.
 */
export async function addFleetCounters(counts: FleetCounts, now: number = Date.now(), intervalMs: number = FLEET_COUNTERS_INTERVAL_MS): Promise<TakenCounts | undefined> {
  const redis = await ensureRedisConnected();
  const result = await runScript(redis, ADD_AND_TAKE, [pushKeys().fleetCounters], [now, intervalMs, ACCUMULATOR_TTL_MS, ...FIELDS.map((f) => Math.max(0, Math.trunc(counts[f])))]);
  if (!Array.isArray(result)) return undefined;
  const [last, ...values] = result.map(Number);
  return {
    counts: Object.fromEntries(FIELDS.map((f, i) => [f, values[i] ?? 0])) as unknown as FleetCounts,
    previousAt: last === undefined || last < 0 ? undefined : last,
    at: now,
  };
}

/** The `fleet.counters` data of taken counts (pure). */
export function fleetCountersMessage(taken: TakenCounts, intervalMs: number = FLEET_COUNTERS_INTERVAL_MS): PushData['fleet.counters'] {
  const sinceLast = taken.previousAt === undefined ? Infinity : taken.at - taken.previousAt;
  // Streaming: the time since the last message. After a pause (or for the first message): one interval.
  const periodMs = sinceLast <= 2 * intervalMs ? Math.max(sinceLast, intervalMs) : intervalMs;
  return { ...taken.counts, eventsPerSecond: Math.round((taken.counts.events * 1000 * 100) / periodMs) / 100 };
}
