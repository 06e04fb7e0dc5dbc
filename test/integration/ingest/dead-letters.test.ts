import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDb, type Sql } from '../../../lib/db/index.js';
import { decodedPayload, deadLetterCounts, listDeadLetters, replayDeadLetters } from '../../../lib/ingest/dead-letters.js';
import { forgetVehicleOwners, ingestKafkaEvent } from '../../../lib/ingest/index.js';
import { syntheticTrip } from '../../../lib/ingest/synthetic.js';
import { createTestDriver, testSql, type TestDriver } from '../../helpers/db.js';
import { eventOf } from '../../helpers/ingest.js';

/** The operators' dead-letter tools against the real database: list, show, replay after a fix. */

const topic = `test.ingest.dl.${randomBytes(3).toString('hex')}`;

describe('dead letters for operators', () => {
  let sql: Sql;
  let driver: TestDriver;

  beforeAll(async () => {
    sql = testSql();
    driver = await createTestDriver(sql);
  });

  afterAll(async () => {
    await sql`DELETE FROM dead_letters WHERE topic = ${topic}`;
    await driver.remove(); // with the vehicle registered by the test
    await sql.end();
    await closeDb();
  });

  it('lists letters by reason, shows the payload, and a replay after the fix stores the events and removes the letters', async () => {
    // Events of a vehicle the fleet register does not know yet: dead letters.
    const vehicleId = 900_000_000 + Math.floor(Math.random() * 1e8);
    const { events } = syntheticTrip({ driverId: driver.driverId, vehicleId, startMs: Date.now() - 86_400_000, seed: 77 });
    const sample = events.slice(0, 4);
    const { summary } = await ingestKafkaEvent(eventOf([...sample, 'garbage'], topic));
    expect(summary).toMatchObject({ records: 5, stored: 0, deadLettered: 5 });

    const counts = await deadLetterCounts();
    expect(counts.find((c) => c.error_code === 'unknown_vehicle')?.count).toBeGreaterThanOrEqual(4);
    const letters = (await listDeadLetters({ code: 'unknown_vehicle', limit: 100 })).filter((l) => l.topic === topic);
    expect(letters.map((l) => l.kafka_offset).sort()).toEqual([0, 1, 2, 3]);
    expect(JSON.parse(decodedPayload(letters[0]!.value))).toMatchObject({ vehicle_id: vehicleId });
    expect(decodedPayload(Buffer.from([0xff, 0xfe]))).toBe('(binary) fffe');

    // Replayed before the fix: still failing, kept.
    expect((await replayDeadLetters([letters[0]!.id])).map((o) => o.outcome)).toEqual(['still_failing']);

    // The fix: the vehicle is registered. The replay stores the events and removes the letters.
    await sql`INSERT INTO vehicles (id, driver_id, vin, make, model, year) VALUES (${vehicleId}, ${driver.driverId}, ${`RP${randomUUID().replace(/-/g, '').slice(0, 15)}`.toUpperCase().replace(/[IOQ]/g, '1')}, 'Test', 'Replay', 2021)`;
    forgetVehicleOwners();
    const outcomes = await replayDeadLetters(letters.map((l) => l.id));
    expect(outcomes.map((o) => o.outcome)).toEqual(['stored', 'stored', 'stored', 'stored']);
    const [stored] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM telematics_events WHERE event_id = ANY(${`{${sample.map((e) => e.event_id).join(',')}}`}::uuid[])`;
    expect(stored?.n).toBe(4);
    const left = await sql<{ error_code: string }[]>`SELECT error_code FROM dead_letters WHERE topic = ${topic}`;
    expect(left.map((l) => l.error_code)).toEqual(['not_json']);
  });
});
