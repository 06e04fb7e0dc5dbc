import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka, type Message } from 'kafkajs';
import { getConfig } from '../config/index.js';
import { driverDayTrips, generateDriver, Random, type SyntheticDriver } from '../seed/index.js';
import { wireEvent } from './synthetic.js';

/**
 * A stream of realistic telematics for Kafka, from the seed generator: the trips of `drivers`
 * drivers of a seeded dataset (so their ids exist), driven anew with a run seed of their own (so
 * trip and event ids are fresh), today's trips first, then earlier days. Drivers are interleaved
 * event by event like a fleet on the road; each record is keyed by its vehicle so a vehicle's
 * events stay in one partition, in order. Optionally mixes in redelivered duplicates and poison.
 */

export interface ProducerOptions {
  kafka: Kafka;
  topic: string;
  /** Events per second; 0 sends as fast as Kafka takes them. */
  rate: number;
  /** Stop after this many seconds (0: no limit). */
  durationS: number;
  /** Stop after this many records (0: no limit). */
  maxEvents?: number;
  drivers: number;
  /** The seed of the dataset the drivers come from (their ids, vehicles and habits). */
  datasetSeed: number;
  /** Varies the trips; a new one each run unless given. */
  runSeed?: number;
  /** Shares of the records that are re-sent earlier events, and poison records. */
  duplicateShare?: number;
  poisonShare?: number;
  sampleIntervalS?: number;
  onProgress?: (progress: ProducerProgress) => void;
  /** Stops the stream early when aborted. */
  signal?: AbortSignal;
}

export interface ProducerProgress {
  /** Records handed to Kafka (acknowledged or not yet). */
  sent: number;
  /** Acknowledged records by kind: distinct valid events, re-sent earlier events, poison. */
  unique: number;
  duplicates: number;
  poison: number;
  /** Records Kafka did not acknowledge (after the client's retries). */
  errors: number;
  seconds: number;
  rate: number;
}

const DAY_MS = 86_400_000;
const RECENT_KEPT = 2048;
const MAX_IN_FLIGHT = 4;

/** Event values of one driver's trips, today first, then one day earlier at a time. */
function* driverStream(driver: SyntheticDriver, runSeed: number, nowMs: number, sampleIntervalS: number): Generator<Message> {
  const today = Math.floor(nowMs / DAY_MS);
  const thresholds = getConfig().harsh;
  for (let day = today; day > today - 365; day--) {
    for (const { trip, events } of driverDayTrips(driver, day, { seed: runSeed, sampleIntervalS, thresholds, endMs: nowMs })) {
      const ids = { id: trip.id, driverId: trip.driver_id, vehicleId: trip.vehicle_id };
      const key = String(trip.vehicle_id);
      for (const e of events) yield { key, value: JSON.stringify(wireEvent(e, ids)) };
    }
  }
}

/**
 * The fleet's records interleaved event by event (one event of each driver in turn), each keyed
 * by its vehicle: what `produceTelematics` sends, and what the benchmark pre-builds.
 */
export function* fleetMessages(options: { drivers: number; datasetSeed: number; runSeed: number; nowMs: number; sampleIntervalS?: number }): Generator<Message> {
  const end = new Date(Math.floor(options.nowMs / DAY_MS) * DAY_MS);
  const streams: (Generator<Message> | undefined)[] = Array.from({ length: options.drivers }, (_, i) =>
    driverStream(generateDriver(options.datasetSeed, i, end), options.runSeed, options.nowMs, options.sampleIntervalS ?? 5),
  );
  let live = streams.length;
  for (let index = 0; live > 0; index = (index + 1) % streams.length) {
    const stream = streams[index];
    if (!stream) continue;
    const item = stream.next();
    if (item.done) {
      streams[index] = undefined;
      live -= 1;
    } else {
      yield item.value;
    }
  }
}

function poisonRecord(rnd: Random, like: Message | undefined): Message {
  const kind = rnd.int(0, 2);
  if (kind === 0 || !like?.value) return { key: null, value: `{"not json": ${randomUUID()}` };
  const event = JSON.parse(String(like.value)) as Record<string, unknown>;
  if (kind === 1) return { key: like.key ?? null, value: JSON.stringify({ ...event, event_id: randomUUID(), speed_kmh: 1_000 + rnd.int(0, 999) }) };
  return { key: like.key ?? null, value: JSON.stringify({ heartbeat: true, device: randomUUID() }) };
}

export async function produceTelematics(options: ProducerOptions): Promise<ProducerProgress> {
  const nowMs = Date.now();
  const runSeed = options.runSeed ?? nowMs % 1_000_000_007;
  const rnd = Random.derive(runSeed, 'producer');
  const fleet = fleetMessages({ drivers: options.drivers, datasetSeed: options.datasetSeed, runSeed, nowMs, ...(options.sampleIntervalS ? { sampleIntervalS: options.sampleIntervalS } : {}) });
  const producer = options.kafka.producer({ allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();

  const progress: ProducerProgress = { sent: 0, unique: 0, duplicates: 0, poison: 0, errors: 0, seconds: 0, rate: 0 };
  const recent: Message[] = [];
  const started = performance.now();
  const elapsedS = () => (performance.now() - started) / 1000;
  const limit = options.maxEvents ?? 0;
  const dupShare = options.duplicateShare ?? 0;
  const poisonShare = options.poisonShare ?? 0;

  type Kind = 'unique' | 'duplicates' | 'poison';
  const next = (counts: Record<Kind, number>): Message | undefined => {
    const roll = rnd.next();
    if (roll < poisonShare) {
      counts.poison += 1;
      return poisonRecord(rnd, recent[0]);
    }
    if (roll < poisonShare + dupShare && recent.length > 0) {
      counts.duplicates += 1;
      return recent[rnd.int(0, recent.length - 1)];
    }
    const item = fleet.next();
    if (item.done) return undefined;
    counts.unique += 1;
    if (recent.length >= RECENT_KEPT) recent[rnd.int(0, RECENT_KEPT - 1)] = item.value;
    else recent.push(item.value);
    return item.value;
  };

  const inFlight = new Set<Promise<void>>();
  let lastProgress = 0;
  try {
    for (;;) {
      const seconds = elapsedS();
      if (options.signal?.aborted) break;
      if (options.durationS > 0 && seconds >= options.durationS) break;
      if (limit > 0 && progress.sent >= limit) break;
      // What the rate allows by now, sent in one request (or a large chunk when unlimited).
      const due = options.rate > 0 ? Math.min(Math.floor(options.rate * seconds) - progress.sent, 5_000) : 2_000;
      const room = limit > 0 ? Math.min(due, limit - progress.sent) : due;
      if (room <= 0) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        continue;
      }
      const messages: Message[] = [];
      const counts: Record<Kind, number> = { unique: 0, duplicates: 0, poison: 0 };
      for (let i = 0; i < room; i++) {
        const message = next(counts);
        if (!message) break;
        messages.push(message);
      }
      if (messages.length === 0) break;
      progress.sent += messages.length;
      const send = producer
        .send({ topic: options.topic, messages })
        .then(
          () => {
            progress.unique += counts.unique;
            progress.duplicates += counts.duplicates;
            progress.poison += counts.poison;
          },
          () => {
            progress.errors += messages.length;
          },
        )
        .finally(() => inFlight.delete(send));
      inFlight.add(send);
      if (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      if (options.onProgress && seconds - lastProgress >= 1) {
        lastProgress = seconds;
        options.onProgress({ ...progress, seconds, rate: Math.round(progress.sent / seconds) });
      }
    }
    await Promise.all(inFlight);
  } finally {
    await producer.disconnect();
  }
  const seconds = elapsedS();
  return { ...progress, seconds, rate: Math.round(progress.sent / Math.max(seconds, 1e-3)) };
}
