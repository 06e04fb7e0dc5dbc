import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';

/** A partition's lag in messages, and where the group stands (`position`: where it would read next). */
export interface PartitionLagMessages {
  partition: number;
  /** null when the group has committed nothing for the partition. */
  committed: number | null;
  position: number;
  high: number;
  lagMessages: number;
}

export type OffsetsAdmin = Pick<Admin, 'fetchTopicOffsets' | 'fetchOffsets'>;

/**
 * A consumer group's lag in messages on one topic, per partition (sorted): high watermark minus the
 * committed offset, or minus the low watermark when the group has committed nothing (where a
 * TRIM_HORIZON consumer starts). One ListOffsets and one OffsetFetch. Read by collect-metrics
 * (lib/metrics, which adds the lag in seconds) and the local event-source bridge.
 *
 * `signal` ends the reading: a caller that has given up on it aborts it, so that no retry below
 * runs on (and reconnects) an admin client the caller is about to disconnect.
 */
export async function readLagMessages(admin: OffsetsAdmin, topic: string, groupId: string, signal?: AbortSignal): Promise<PartitionLagMessages[]> {
  // One after the other: on a fresh connection, concurrent first requests race the metadata refresh.
  const watermarks = await admin.fetchTopicOffsets(topic);
  const groupOffsets = await retryingCoordinatorErrors(() => admin.fetchOffsets({ groupId, topics: [topic] }), signal);
  const committedOf = new Map((groupOffsets.find((t) => t.topic === topic)?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
  return watermarks
    .map(({ partition, high, low }) => {
      const stored = committedOf.get(partition);
      const committed = stored !== undefined && stored >= 0 ? stored : null;
      const position = committed ?? Number(low);
      return { partition, committed, position, high: Number(high), lagMessages: Math.max(0, Number(high) - position) };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** Back-off between OffsetFetch attempts: 2.5 s in all (collect-metrics gives the whole reading 5 s). */
const OFFSET_FETCH_BACKOFF_MS = [100, 200, 400, 800, 1000];

/** What a group coordinator answers while it is not ready yet: Kafka error codes 14, 15 and 16, by kafkajs's type names. */
const COORDINATOR_NOT_READY: ReadonlySet<string> = new Set(['GROUP_LOAD_IN_PROGRESS', 'GROUP_COORDINATOR_NOT_AVAILABLE', 'NOT_COORDINATOR_FOR_GROUP']);

/**
 * kafkajs retries finding the group coordinator but not the OffsetFetch it then sends. On a new
 * cluster the coordinator it found answers NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS until
 * __consumer_offsets has loaded (about a second after the first group request): those answers are
 * retried after a back-off, until `signal` aborts; anything else fails at once.
 */
async function retryingCoordinatorErrors<T>(request: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  for (const delayMs of OFFSET_FETCH_BACKOFF_MS) {
    try {
      return await request();
    } catch (error) {
      if (!COORDINATOR_NOT_READY.has(String((error as { type?: unknown }).type))) throw error;
      await sleep(delayMs, undefined, { signal });
    }
  }
  return request();
}
