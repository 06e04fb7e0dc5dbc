import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler } from '../../../functions/ingest/handler.js';
import { closeDb, type Sql } from '../../../lib/db/index.js';
import { lambdaKafkaEvent, type KafkaMessage, type TelematicsEvent } from '../../../lib/ingest/index.js';
import { syntheticTrip } from '../../../lib/ingest/synthetic.js';
import { createTestDriver, testSql, type TestDriver } from '../../helpers/db.js';
import { eventOf, messagesOf, recomputedTrips, storedTrips } from '../../helpers/ingest.js';
import { lambdaContext } from '../../helpers/lambda.js';

/**
 * The ingest function alone, fed hand-built Lambda Kafka events of both documented shapes, against
 * the real PostgreSQL: what is stored, what becomes a dead letter, and the trip figures.
 */

const topic = `test.ingest.${randomBytes(3).toString('hex')}`;
const DAY_MS = 86_400_000;
const invoke = (event: unknown) => handler(event as never, lambdaContext(randomUUID()));

describe('ingest handler', () => {
  let sql: Sql;
  let driver: TestDriver;
  let other: TestDriver;
  let seed = 1000 + Math.floor(Math.random() * 1e6);
  const trip = (startOffsetMs = 0) =>
    syntheticTrip({ driverId: driver.driverId, vehicleId: driver.vehicleId, startMs: Date.now() - 3 * DAY_MS + startOffsetMs, seed: seed++ });

  const eventCount = async (tripId: string) => (await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM telematics_events WHERE trip_id = ${tripId}::uuid`)[0]!.n;
  const deadLetters = () =>
    sql<{ kafka_offset: number; error_code: string; reason: string; value: Buffer | null; key: Buffer | null; headers: unknown }[]>`
      SELECT kafka_offset, error_code, reason, value, key, headers FROM dead_letters WHERE topic = ${topic} ORDER BY kafka_offset`;

  beforeAll(async () => {
    sql = testSql();
    driver = await createTestDriver(sql);
    other = await createTestDriver(sql);
  });

  afterAll(async () => {
    await sql`DELETE FROM dead_letters WHERE topic = ${topic}`;
    await driver.remove();
    await other.remove();
    await sql.end();
    await closeDb();
  });

  it('stores a trip delivered in the self-managed shape and keeps its row equal to the figures recomputed from its events', async () => {
    const { trip: simulated, events } = trip();
    const result = await invoke(eventOf(events, topic));
    expect(result).toEqual({ batchItemFailures: [] });
    expect(await eventCount(simulated.id)).toBe(events.length);
    const [stored] = await storedTrips(sql, [simulated.id]);
    expect(stored).toEqual((await recomputedTrips(sql, [simulated.id]))[0]);
    expect(stored?.event_count).toBe(events.length);
    expect(stored?.ended_at).not.toBeNull();
    // The simulation's own 1 Hz odometer and the stored 5 s samples agree within a few percent.
    expect(stored!.distance_km).toBeGreaterThan(simulated.distance_km * 0.9);
    expect(stored!.distance_km).toBeLessThan(simulated.distance_km * 1.05);
    expect(stored?.harsh_braking_count).toBe(simulated.harsh_braking_count);
    expect(stored?.speeding_count).toBe(simulated.speeding_count);
  });

  it('accepts the MSK shape (eventSource aws:kafka), headers and records without a key', async () => {
    const { trip: simulated, events } = trip();
    const messages: KafkaMessage[] = messagesOf(events, topic, 1).map((m, i) => ({ ...m, key: i % 2 ? null : m.key, headers: { source: 'test', trace: [Buffer.from('a'), 'b'] } }));
    const event = lambdaKafkaEvent(messages, { kind: 'msk', clusterArn: 'arn:aws:kafka:us-east-1:000000000000:cluster/test/abc' });
    expect(event.eventSource).toBe('aws:kafka');
    expect(event.records[`${topic}-1`]?.[1]).not.toHaveProperty('key');
    expect(event.records[`${topic}-1`]?.[0]?.headers).toEqual([{ source: [...Buffer.from('test')] }, { trace: [97] }, { trace: [98] }]);
    expect(await invoke(event)).toEqual({ batchItemFailures: [] });
    expect(await eventCount(simulated.id)).toBe(events.length);
  });

  it('stores every value byte for byte, including free JSON in data with the characters array and JSON syntax use', async () => {
    const { trip: simulated, events } = trip();
    const awkward = { note: 'quote " backslash \\ braces {} [] comma , newline \n tab \t NULL null ü €', nested: { list: [1, 'a,b', null], empty: '' } };
    const sent = events.slice(0, 5).map((e, i) => (i === 2 ? { ...e, data: awkward } : i === 3 ? { ...e, data: undefined, speed_kmh: null } : e));
    expect(await invoke(eventOf(sent, topic))).toEqual({ batchItemFailures: [] });
    const rows = await sql<{ event_id: string; ts: string; data: unknown; speed_kmh: number | null; lat: number; lon: number; heading_deg: number | null }[]>`
      SELECT event_id, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts, data, speed_kmh, lat, lon, heading_deg
      FROM telematics_events WHERE trip_id = ${simulated.id}::uuid ORDER BY ts`;
    expect(rows).toEqual(
      sent.map((e) => ({
        event_id: e.event_id,
        ts: new Date(e.ts).toISOString(),
        data: e.data ?? {},
        speed_kmh: e.speed_kmh ?? null,
        lat: e.lat,
        lon: e.lon,
        heading_deg: e.heading_deg ?? null,
      })),
    );
  });

  it('answers an empty batch with no failures', async () => {
    expect(await invoke({ eventSource: 'aws:SelfManagedKafka', bootstrapServers: '', records: {} })).toEqual({ batchItemFailures: [] });
  });

  it('gives the same trip figures whether events arrive in one batch, in many, out of order or twice', async () => {
    const { trip: simulated, events } = trip();
    await invoke(eventOf(events, topic, 2));
    const [inOneBatch] = await storedTrips(sql, [simulated.id]);
    await sql`DELETE FROM telematics_events WHERE trip_id = ${simulated.id}::uuid`;
    await sql`DELETE FROM trips WHERE id = ${simulated.id}::uuid`;

    // Shuffled, in batches of 37, every batch delivered twice and the whole stream replayed.
    const shuffled = [...events];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < shuffled.length; i += 37) {
        const batch = eventOf(shuffled.slice(i, i + 37), topic, 2, 10_000 + i);
        expect(await invoke(batch)).toEqual({ batchItemFailures: [] });
        if (pass === 0) expect(await invoke(batch)).toEqual({ batchItemFailures: [] });
      }
    }
    const [inPieces] = await storedTrips(sql, [simulated.id]);
    expect(inPieces).toEqual(inOneBatch);
    expect(inPieces).toEqual((await recomputedTrips(sql, [simulated.id]))[0]);
    expect(await eventCount(simulated.id)).toBe(events.length);
  });

  it('sends every record that can never be ingested to the dead letters with its bytes and reason, stores the rest, and does not throw', async () => {
    const { trip: simulated, events } = trip();
    const good = events.slice(0, 5);
    const otherTrip = syntheticTrip({ driverId: other.driverId, vehicleId: other.vehicleId, startMs: Date.now() - 2 * DAY_MS, seed: seed++ });
    await invoke(eventOf(otherTrip.events.slice(0, 2), topic, 4));
    const base = good[0]!;
    const poison: unknown[] = [
      'not json {',
      JSON.stringify({ type: 'heartbeat', device: 'x' }), // a non-telematics payload
      { ...base, event_id: randomUUID(), speed_kmh: 900 },
      { ...base, event_id: randomUUID(), vehicle_id: 999_999_999 },
      { ...base, event_id: randomUUID(), vehicle_id: other.vehicleId },
      { ...base, event_id: randomUUID(), trip_id: otherTrip.trip.id },
      { ...base, event_id: randomUUID(), ts: '2099-01-01T00:00:00Z' },
    ];
    const event = eventOf([...good, ...poison], topic, 3, 500);
    expect(await invoke(event)).toEqual({ batchItemFailures: [] });
    expect(await invoke(event)).toEqual({ batchItemFailures: [] }); // redelivered: nothing twice

    expect(await eventCount(simulated.id)).toBe(5);
    const letters = await deadLetters();
    const codes = letters.filter((l) => l.kafka_offset >= 505).map((l) => [l.kafka_offset, l.error_code]);
    expect(codes).toEqual([
      [505, 'not_json'],
      [506, 'schema_violation'],
      [507, 'schema_violation'],
      [508, 'unknown_vehicle'],
      [509, 'unknown_vehicle'],
      [510, 'trip_conflict'],
      [511, 'impossible_value'],
    ]);
    const byOffset = new Map(letters.map((l) => [l.kafka_offset, l]));
    expect(byOffset.get(505)?.value?.toString()).toBe('not json {');
    expect(byOffset.get(506)?.reason).toMatch(/event_id: is required/);
    expect(byOffset.get(507)?.reason).toBe('speed_kmh: must be at most 400');
    expect(byOffset.get(508)?.reason).toBe('vehicle_id: no vehicle 999999999');
    expect(byOffset.get(511)?.reason).toMatch(/^ts: .* in the future/);
  });

  it('ingests a 10,000-record batch in one invocation', async () => {
    const trips = Array.from({ length: 40 }, (_, i) => trip(i * 3_600_000));
    const events: TelematicsEvent[] = trips.flatMap((t) => t.events).slice(0, 10_000);
    expect(events.length).toBe(10_000);
    expect(await invoke(eventOf(events, topic, 5))).toEqual({ batchItemFailures: [] });
    const ids = [...new Set(events.map((e) => e.trip_id!))];
    const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM telematics_events WHERE trip_id = ANY(${`{${ids.join(',')}}`}::uuid[])`;
    expect(row?.n).toBe(10_000);
    expect(await storedTrips(sql, ids)).toEqual(await recomputedTrips(sql, ids));
  });

  it('reports exactly the records of the partition the database refused transiently, and their redelivery duplicates nothing', async () => {
    const first = trip();
    const second = trip();
    const blocked = testSql(undefined, 1);
    // Another writer holds the second trip: its partition's batch waits for the lock and gives up.
    let unlock = () => {};
    const held = new Promise<void>((resolve) => (unlock = resolve));
    let locked = () => {};
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const release = blocked.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtextextended(${`trip:${second.trip.id}`}, 0))`;
      locked();
      await held;
    });
    await isLocked;
    const event = lambdaKafkaEvent([...messagesOf(first.events, topic, 6), ...messagesOf(second.events, topic, 7, 100)]);
    const result = await invoke(event);
    expect(result.batchItemFailures).toEqual(second.events.map((_, i) => ({ itemIdentifier: { partition: `${topic}-7`, offset: 100 + i } })));
    expect(await eventCount(first.trip.id)).toBe(first.events.length);
    expect(await eventCount(second.trip.id)).toBe(0);
    unlock();
    await release;
    await blocked.end();

    // Redelivered from the failed offset, as the event source does.
    expect(await invoke(event)).toEqual({ batchItemFailures: [] });
    expect(await eventCount(first.trip.id)).toBe(first.events.length);
    expect(await eventCount(second.trip.id)).toBe(second.events.length);
    expect(await storedTrips(sql, [first.trip.id, second.trip.id])).toEqual(await recomputedTrips(sql, [first.trip.id, second.trip.id]));
  }, 40_000);
});
