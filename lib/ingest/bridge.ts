import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Partitioners, type Admin, type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage as KafkajsMessage, type Producer } from 'kafkajs';
import { getLogger } from '../logger/index.js';
import { readLagMessages } from '../kafka/index.js';
import { counter, gauge } from '../metrics/index.js';
import type { KafkaBatchResponse } from './kafka.js';
import { lambdaKafkaEvent, type KafkaMessage, type LambdaKafkaEvent } from './lambda-event.js';

/**
 * The local stand-in for Lambda's Kafka event source (serverless-offline ignores `kafka` and `msk`
 * events): a kafkajs consumer group that builds exactly the event the platform builds and hands it
 * to the ingest function, with the platform's semantics as serverless.yml configures them:
 *
 * - batches of up to `batchSize` records across partitions, waiting at most the batching window;
 * - offsets committed only after the function succeeded; with ReportBatchItemFailures, committed
 *   up to each partition's first failed offset and redelivered from there (the partition waits,
 *   the others go on);
 * - a failing batch retried with exponential backoff up to `maximumRetryAttempts` (-1: forever),
 *   then split in halves (bisect) to isolate the failing records, which go to the on-failure topic
 *   with the reason in their headers, and the partition moves on;
 * - consumer lag (high watermark minus committed offset) sampled every second, as a metric;
 * - broker restarts survived by kafkajs's reconnects and a consumer restart after a crash;
 * - `stop()` lets the batch in progress finish and commits nothing for work not done.
 *
 * The function is invoked in-process (`invoke` is the handler itself) rather than through
 * serverless-offline's Lambda port: the event and the response are the same, and the ingest path
 * keeps its warm state (connection pool, vehicle cache) across batches as a warm Lambda instance
 * does, without an HTTP hop and a JSON round trip of every batch.
 */

export interface BridgeOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  batchSize: number;
  batchingWindowMs: number;
  fromBeginning: boolean;
  /** -1: forever. */
  maximumRetryAttempts: number;
  bisectBatchOnFunctionError: boolean;
  reportBatchItemFailures: boolean;
  onFailureTopic: string;
  invoke: (event: LambdaKafkaEvent) => Promise<KafkaBatchResponse | void | undefined>;
  /** Shown in the event as the self-managed source's bootstrap servers. */
  bootstrapServers: string[];
  /** Invocations in flight at once (the platform runs up to one per partition). */
  concurrency?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  lagIntervalMs?: number;
  onLag?: (lag: number) => void;
  /** Partitions of the topics when the bridge has to create them (a fresh local broker). */
  partitions?: number;
}

const invocations = counter({ name: 'bridge_invocations_total', help: 'Ingest invocations by the local event-source bridge, by outcome.', labelNames: ['outcome'] });
const failedOver = counter({ name: 'bridge_records_failed_over_total', help: 'Records the bridge gave up on and sent to the on-failure topic.' });
const consumerLag = gauge({ name: 'ingest_consumer_lag', help: 'Records in the topic not yet committed by the ingest consumer group.', labelNames: ['topic', 'group'] });

interface Pending {
  partition: number;
  messages: KafkajsMessage[];
  resolve: (outcome: Outcome) => void;
}

/** The first offset of a delivered chunk that must be delivered again; undefined when all succeeded. */
interface Outcome {
  failedAt?: number;
  reason?: string;
}

/** Records of `topic` not yet committed by `groupId`, summed over partitions. */
export async function consumerGroupLag(admin: Admin, topic: string, groupId: string, signal?: AbortSignal): Promise<number> {
  return (await readLagMessages(admin, topic, groupId, signal)).reduce((sum, p) => sum + p.lagMessages, 0);
}

export class EventSourceBridge {
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  private readonly pending: Pending[] = [];
  private pendingCount = 0;
  private windowTimer: NodeJS.Timeout | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  private sampling: AbortController | undefined;
  private inFlight = 0;
  /** eachBatch calls running, and the chunks of theirs being invoked right now. */
  private activeBatches = 0;
  private chunksInFlight = 0;
  private stopping = false;
  private readonly attempts = new Map<string, number>();
  /** Highest lag seen since start. */
  maxLag = 0;
  /** Invocations, the records they carried and the time spent in them (benchmarks: where end-to-end time goes). */
  readonly invocationStats = { invocations: 0, records: 0, invokeMs: 0 };
  lastLag: number | undefined;

  constructor(private readonly options: BridgeOptions) {}

  async start(): Promise<void> {
    const { kafka } = this.options;
    this.producer = kafka.producer({ allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner });
    this.admin = kafka.admin();
    await Promise.all([this.producer.connect(), this.admin.connect()]);
    // On the platform the topics exist before the event source; locally the bridge creates those
    // missing (only those: kafkajs logs an error for every topic that already exists).
    const numPartitions = this.options.partitions ?? 6;
    const existing = new Set(await this.admin.listTopics());
    const missing = [this.options.topic, this.options.onFailureTopic].filter((topic) => !existing.has(topic));
    if (missing.length > 0) await this.admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions })) });
    await this.startConsumer();
    const interval = this.options.lagIntervalMs ?? 1000;
    if (interval > 0) this.lagTimer = setInterval(() => void this.sampleLag(), interval);
  }

  private async startConsumer(): Promise<void> {
    const { kafka, groupId, topic, fromBeginning } = this.options;
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxBytesPerPartition: 4 * 1024 * 1024,
      retry: { retries: 20, initialRetryTime: 200, maxRetryTime: 5_000 },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.CRASH, (event) => {
      const { error, restart } = event.payload;
      getLogger().warn('bridge consumer crashed', { error, restart });
      if (!restart && !this.stopping) void this.restartConsumer();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 16,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  private async restartConsumer(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    while (!this.stopping) {
      try {
        await this.startConsumer();
        getLogger().info('bridge consumer restarted');
        return;
      } catch (error) {
        getLogger().warn('bridge consumer restart failed; trying again', { error });
        await sleep(1000);
      }
    }
  }

  /** Stops consuming after the batch in progress; offsets of unfinished work stay uncommitted. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.lagTimer) clearInterval(this.lagTimer);
    this.sampling?.abort();
    await this.consumer?.disconnect();
    await Promise.all([this.producer?.disconnect(), this.admin?.disconnect()]);
  }

  /** Records in the topic not yet committed by the group (every partition). */
  async lag(signal?: AbortSignal): Promise<number> {
    if (!this.admin) throw new Error('the bridge is not started');
    return consumerGroupLag(this.admin, this.options.topic, this.options.groupId, signal);
  }

  /** One lag sample at a time (a slow reading is not overtaken by the next); stop() aborts it. */
  private async sampleLag(): Promise<void> {
    if (this.sampling || !this.admin) return;
    this.sampling = new AbortController();
    try {
      const lag = await this.lag(this.sampling.signal);
      this.lastLag = lag;
      this.maxLag = Math.max(this.maxLag, lag);
      consumerLag.set({ topic: this.options.topic, group: this.options.groupId }, lag);
      this.options.onLag?.(lag);
    } catch (error) {
      getLogger().debug('sampling the consumer lag failed', { error });
    } finally {
      this.sampling = undefined;
    }
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { partition, topic } = batch;
    const resolveOffset = (offset: string) => payload.resolveOffset(offset);
    const isRunning = () => payload.isRunning();
    const isStale = () => payload.isStale();
    const beat = setInterval(() => void payload.heartbeat().catch(() => undefined), 2_000);
    this.activeBatches += 1;
    try {
      let messages = batch.messages;
      while (messages.length > 0 && isRunning() && !isStale() && !this.stopping) {
        const chunk = messages.slice(0, this.options.batchSize);
        const outcome = await this.deliver(partition, chunk);
        const last = chunk[chunk.length - 1]!;
        if (outcome.failedAt === undefined) {
          await this.commit(partition, Number(last.offset) + 1);
          resolveOffset(last.offset);
          messages = messages.slice(chunk.length);
          continue;
        }
        const failedAt = outcome.failedAt;
        if (failedAt > Number(chunk[0]!.offset)) {
          await this.commit(partition, failedAt);
          resolveOffset(String(failedAt - 1));
        }
        const key = `${partition}:${failedAt}`;
        const attempt = (this.attempts.get(key) ?? 0) + 1;
        this.attempts.set(key, attempt);
        const { maximumRetryAttempts } = this.options;
        if (maximumRetryAttempts < 0 || attempt <= maximumRetryAttempts) {
          const delay = Math.min(this.options.retryMaxMs ?? 5_000, (this.options.retryBaseMs ?? 250) * 2 ** (attempt - 1));
          getLogger().warn('batch failed; redelivering from the failed offset', { topic, partition, offset: failedAt, attempt, delay_ms: delay, reason: outcome.reason });
          await sleep(delay);
          // Redelivered from the failed offset (the records are still in hand; nothing after it was committed).
          messages = messages.filter((m) => Number(m.offset) >= failedAt);
          continue;
        }
        this.attempts.delete(key);
        await this.isolate(partition, chunk.filter((m) => Number(m.offset) >= failedAt), outcome.reason ?? 'retries exhausted');
        await this.commit(partition, Number(last.offset) + 1);
        resolveOffset(last.offset);
        messages = messages.slice(chunk.length);
      }
    } finally {
      this.activeBatches -= 1;
      clearInterval(beat);
      // A batch that ended may have been the one the others' partial invocation was waiting for.
      this.schedule();
    }
  }

  private async commit(partition: number, nextOffset: number): Promise<void> {
    await this.consumer?.commitOffsets([{ topic: this.options.topic, partition, offset: String(nextOffset) }]);
  }

  /** Queues a chunk for the next invocation; resolves with its outcome. */
  private deliver(partition: number, messages: KafkajsMessage[]): Promise<Outcome> {
    return new Promise((resolve) => {
      this.pending.push({ partition, messages, resolve });
      this.pendingCount += messages.length;
      this.schedule();
    });
  }

  /**
   * Invokes now when the batch is full, or when no more records can come before the window ends:
   * kafkajs fetches again only once every batch of its last fetch is done, and each of them is
   * waiting for its chunk. Waiting out the window then would only stall the stream (the platform's
   * poller keeps fetching meanwhile; this one cannot).
   */
  private schedule(): void {
    if (this.pending.length === 0) return;
    const nothingMoreToCome = this.pending.length + this.chunksInFlight >= this.activeBatches;
    if (this.pendingCount >= this.options.batchSize || this.options.batchingWindowMs === 0 || nothingMoreToCome) {
      this.flush();
    } else {
      this.windowTimer ??= setTimeout(() => {
        this.windowTimer = undefined;
        this.flush();
      }, this.options.batchingWindowMs);
    }
  }

  private flush(): void {
    if (this.inFlight >= (this.options.concurrency ?? 1) || this.pending.length === 0) return;
    if (this.windowTimer) {
      clearTimeout(this.windowTimer);
      this.windowTimer = undefined;
    }
    const taken: Pending[] = [];
    let count = 0;
    while (this.pending.length > 0) {
      const next = this.pending[0]!;
      if (taken.length > 0 && count + next.messages.length > this.options.batchSize) break;
      taken.push(this.pending.shift()!);
      count += next.messages.length;
    }
    this.pendingCount -= count;
    this.inFlight += 1;
    this.chunksInFlight += taken.length;
    void this.invokeWith(taken).finally(() => {
      this.inFlight -= 1;
      this.chunksInFlight -= taken.length;
      this.schedule();
    });
  }

  private toMessages(partition: number, messages: KafkajsMessage[]): KafkaMessage[] {
    return messages.map((m) => ({
      topic: this.options.topic,
      partition,
      offset: m.offset,
      timestamp: m.timestamp,
      key: m.key,
      value: m.value,
      headers: m.headers,
    }));
  }

  /** One invocation with `chunks`; every chunk learns its outcome. */
  private async invokeWith(chunks: Pending[]): Promise<void> {
    const event = lambdaKafkaEvent(
      chunks.flatMap((c) => this.toMessages(c.partition, c.messages)),
      { kind: 'self-managed', bootstrapServers: this.options.bootstrapServers },
    );
    let response: KafkaBatchResponse | void | undefined;
    const started = performance.now();
    this.invocationStats.invocations += 1;
    this.invocationStats.records += chunks.reduce((sum, chunk) => sum + chunk.messages.length, 0);
    try {
      response = await this.options.invoke(event);
    } catch (error) {
      invocations.inc({ outcome: 'error' });
      getLogger().warn('ingest invocation failed', { error });
      for (const chunk of chunks) chunk.resolve({ failedAt: Number(chunk.messages[0]!.offset), reason: (error as Error).message });
      return;
    }
    this.invocationStats.invokeMs += performance.now() - started;
    const failures = this.options.reportBatchItemFailures ? (response?.batchItemFailures ?? []) : [];
    invocations.inc({ outcome: failures.length > 0 ? 'partial' : 'success' });
    for (const chunk of chunks) chunk.resolve(this.outcomeOf(chunk, failures));
  }

  private outcomeOf(chunk: Pending, failures: KafkaBatchResponse['batchItemFailures']): Outcome {
    const key = `${this.options.topic}-${chunk.partition}`;
    const first = Number(chunk.messages[0]!.offset);
    const last = Number(chunk.messages[chunk.messages.length - 1]!.offset);
    let failedAt: number | undefined;
    for (const failure of failures) {
      if (failure.itemIdentifier?.partition !== key) continue;
      const offset = Number(failure.itemIdentifier.offset);
      // An identifier outside the batch makes the whole partition's batch a failure, as on the platform.
      const at = Number.isInteger(offset) && offset >= first && offset <= last ? offset : first;
      failedAt = failedAt === undefined ? at : Math.min(failedAt, at);
    }
    return failedAt === undefined ? {} : { failedAt, reason: 'reported in batchItemFailures' };
  }

  /** Retries exhausted: bisect to find the failing records, which go to the on-failure topic. */
  private async isolate(partition: number, messages: KafkajsMessage[], reason: string): Promise<void> {
    if (this.options.bisectBatchOnFunctionError && messages.length > 1) {
      const middle = Math.ceil(messages.length / 2);
      for (const half of [messages.slice(0, middle), messages.slice(middle)]) {
        const outcome = await new Promise<Outcome>((resolve) => void this.invokeWith([{ partition, messages: half, resolve }]));
        if (outcome.failedAt !== undefined) {
          await this.isolate(partition, half.filter((m) => Number(m.offset) >= outcome.failedAt!), outcome.reason ?? reason);
        }
      }
      return;
    }
    await this.producer?.send({
      topic: this.options.onFailureTopic,
      messages: messages.map((m) => ({
        key: m.key,
        value: m.value,
        headers: {
          ...m.headers,
          'failure.reason': reason,
          'failure.topic': this.options.topic,
          'failure.partition': String(partition),
          'failure.offset': m.offset,
          'failure.request_id': randomUUID(),
        },
      })),
    });
    failedOver.inc(messages.length);
    getLogger().error('records sent to the on-failure topic after the retries', {
      topic: this.options.topic,
      partition,
      offsets: `${messages[0]?.offset}-${messages[messages.length - 1]?.offset}`,
      destination: this.options.onFailureTopic,
      reason,
    });
  }
}
