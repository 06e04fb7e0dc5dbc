import type { Admin } from 'kafkajs';
import { readLagMessages } from '../kafka/index.js';
import { ensureRedisConnected, keySpace } from '../redis/index.js';

/**
 * Consumer lag of one consumer group on one topic, per partition, read with kafkajs admin:
 *   - in messages: high watermark minus the committed offset (the low watermark when the group has
 *     committed nothing, where a TRIM_HORIZON consumer starts);
 *   - in seconds: the age of the oldest unconsumed record, the one at the committed offset. kafkajs
 *     admin cannot fetch a record, but it can find the first offset at or after a timestamp
 *     (ListOffsets); with record timestamps in offset order, the record at offset c is older than d
 *     exactly when offsetAt(now - d) <= c. So the age is bracketed by probing a grid of d growing 4x
 *     (1 s to 12 days, all probes in parallel), then the bracket is refined by at most two rounds of
 *     15 parallel probes, to within 1 s or 2 %; the gauge reports the bracket's upper end.
 *
 * Stall evaluation follows Burrow's consumer evaluation rules over the last LAG_WINDOW samples
 * (one per collect-metrics run, kept in Redis): (1) any sample with zero lag -> OK; (2) committed
 * offset unchanged across the window while lag is non-zero -> STALLED; (3) committed offset moving
 * but lag never decreasing between two samples and higher at the end -> LAGGING (Burrow's WARN).
 * Both 2 and 3 raise the stalled flag. Burrow's rule 4 (STOPPED: no commit for longer than the
 * window) needs commit timestamps, which the OffsetFetch API does not return: not implemented.
 */

export const LAG_WINDOW = 4;
const LAG_HISTORY_TTL_MS = 30 * 60_000;
const MAX_AGE_MS = 4 ** 10 * 1000;
const GRID_FACTOR = 4;
const REFINE_POINTS = 15;
const REFINE_ROUNDS = 2;
/** Refining stops once a bracket is this narrow: 1 s, or 2 % of its upper end. */
const PRECISION_MS = 1000;
const PRECISION_RATIO = 0.02;

export type LagAdmin = Pick<Admin, 'fetchTopicOffsets' | 'fetchOffsets' | 'fetchTopicOffsetsByTimestamp'>;

export interface PartitionLag {
  partition: number;
  /** null when the group has committed nothing for the partition. */
  committed: number | null;
  high: number;
  lagMessages: number;
  lagSeconds: number;
}

export type PartitionStatus = 'ok' | 'stalled' | 'lagging';

export interface LagSample {
  at: number;
  committed: number;
  high: number;
  lag: number;
}

/** The group's lag per partition in messages and in seconds (see the module comment). */
export async function readConsumerLag(admin: LagAdmin, options: { topic: string; groupId: string; now: number; signal?: AbortSignal }): Promise<PartitionLag[]> {
  const lags = (await readLagMessages(admin, options.topic, options.groupId, options.signal)).map((lag) => ({ ...lag, lagSeconds: 0 }));
  const behind = lags.filter((lag) => lag.lagMessages > 0);
  if (behind.length > 0) {
    const ages = await ageOfOffsets(admin, options.topic, new Map(behind.map((lag) => [lag.partition, lag.position])), options.now);
    for (const lag of behind) lag.lagSeconds = (ages.get(lag.partition) ?? 0) / 1000;
  }
  return lags.map(({ position: _position, ...lag }) => lag);
}

/** Milliseconds since the record at each partition's offset was written (an upper bound within 1 s or 2 %). */
async function ageOfOffsets(admin: LagAdmin, topic: string, offsets: Map<number, number>, now: number): Promise<Map<number, number>> {
  const probe = async (ages: number[]): Promise<Map<number, Map<number, number>>> => {
    const unique = [...new Set(ages)];
    const answers = await Promise.all(unique.map((age) => admin.fetchTopicOffsetsByTimestamp(topic, now - age)));
    return new Map(unique.map((age, i) => [age, new Map(answers[i]!.map((p) => [p.partition, Number(p.offset)]))]));
  };
  /** Whether the record at `offset` is at most `age` old, by a probe's answer. */
  const within = (answers: Map<number, Map<number, number>>, age: number, partition: number, offset: number) =>
    (answers.get(age)?.get(partition) ?? Number.POSITIVE_INFINITY) <= offset;

  const grid: number[] = [];
  for (let age = 1000; age <= MAX_AGE_MS; age *= GRID_FACTOR) grid.push(age);
  const first = await probe(grid);
  const brackets = new Map<number, { lo: number; hi: number }>();
  for (const [partition, offset] of offsets) {
    const index = grid.findIndex((age) => within(first, age, partition, offset));
    brackets.set(partition, index === -1 ? { lo: MAX_AGE_MS, hi: MAX_AGE_MS } : { lo: index === 0 ? 0 : grid[index - 1]!, hi: grid[index]! });
  }
  for (let round = 0; round < REFINE_ROUNDS; round++) {
    const open = [...brackets.entries()].filter(([, b]) => b.hi - b.lo > Math.max(PRECISION_MS, b.hi * PRECISION_RATIO));
    if (open.length === 0) break;
    const points = (b: { lo: number; hi: number }) => Array.from({ length: REFINE_POINTS }, (_, i) => Math.round(b.lo + ((b.hi - b.lo) * (i + 1)) / (REFINE_POINTS + 1)));
    const answers = await probe(open.flatMap(([, b]) => points(b)));
    for (const [partition, b] of open) {
      const offset = offsets.get(partition)!;
      const candidates = points(b);
      const index = candidates.findIndex((age) => within(answers, age, partition, offset));
      if (index === -1) brackets.set(partition, { lo: candidates.at(-1)!, hi: b.hi });
      else brackets.set(partition, { lo: index === 0 ? b.lo : candidates[index - 1]!, hi: candidates[index]! });
    }
  }
  return new Map([...brackets.entries()].map(([partition, b]) => [partition, b.hi]));
}

/** Burrow's rules 1-3 (see the module comment) over samples oldest first. */
export function evaluatePartition(window: readonly LagSample[]): PartitionStatus {
  if (window.length < LAG_WINDOW) return 'ok';
  if (window.some((sample) => sample.lag === 0)) return 'ok';
  const first = window[0]!;
  const last = window.at(-1)!;
  if (window.every((sample) => sample.committed === first.committed)) return 'stalled';
  const neverDecreasing = window.every((sample, i) => i === 0 || sample.lag >= window[i - 1]!.lag);
  return neverDecreasing && last.lag > first.lag ? 'lagging' : 'ok';
}

const historyKey = (groupId: string, topic: string) => `${keySpace('metrics')}:lag:${groupId}:${topic}`;

/**
 * Appends this run's lag to the group's history in Redis and returns each partition's status over
 * the last LAG_WINDOW runs (this one included).
 */
export async function recordAndEvaluate(groupId: string, topic: string, now: number, lags: readonly PartitionLag[]): Promise<Map<number, PartitionStatus>> {
  const redis = await ensureRedisConnected();
  const key = historyKey(groupId, topic);
  const run: Record<number, LagSample> = Object.fromEntries(
    lags.map((lag) => [lag.partition, { at: now, committed: lag.committed ?? -1, high: lag.high, lag: lag.lagMessages }]),
  );
  const [, , , [, stored]] = (await redis
    .multi()
    .lpush(key, JSON.stringify(run))
    .ltrim(key, 0, LAG_WINDOW - 1)
    .pexpire(key, LAG_HISTORY_TTL_MS)
    .lrange(key, 0, -1)
    .exec()) as [unknown, unknown, unknown, [Error | null, string[]]];
  const runs = stored.map((json) => JSON.parse(json) as Record<number, LagSample>).reverse();
  return new Map(lags.map((lag) => [lag.partition, evaluatePartition(runs.map((r) => r[lag.partition]).filter((s): s is LagSample => s !== undefined))]));
}
