import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Sql } from '../../../lib/db/index.js';
import { withMigratedThrowawayDatabase, withSql } from '../../helpers/db.js';

/** One event row at `ts` with the columns the schema requires. */
function insertEvent(sql: Sql, eventId: string, ts: string) {
  return sql`
    INSERT INTO telematics_events (event_id, ts, driver_id, vehicle_id, event_type)
    VALUES (${eventId}::uuid, ${ts}::timestamptz, 1, 1, 'position')
    ON CONFLICT (event_id, ts) DO NOTHING`;
}

async function partitionOf(sql: Sql, eventId: string): Promise<string | undefined> {
  const [row] = await sql<{ partition: string }[]>`SELECT tableoid::regclass::text AS partition FROM telematics_events WHERE event_id = ${eventId}::uuid`;
  return row?.partition;
}

describe('telematics_events partitioning', () => {
  it('stores a replayed event once: the (event_id, ts) key makes ON CONFLICT DO NOTHING skip it', async () => {
    await withMigratedThrowawayDatabase('telematics_partitions_test', async (url) => {
      await withSql(url, async (sql) => {
        const eventId = randomUUID();
        const now = new Date().toISOString();

        const first = await insertEvent(sql, eventId, now);
        const replay = await insertEvent(sql, eventId, now);

        expect([first.count, replay.count]).toEqual([1, 0]);
        const [row] = await sql<{ copies: number }[]>`SELECT count(*)::int AS copies FROM telematics_events WHERE event_id = ${eventId}::uuid`;
        expect(row?.copies).toBe(1);
      });
    });
  });

  it('creates missing months once, and moves rows waiting in the default partition into their new month', async () => {
    await withMigratedThrowawayDatabase('telematics_partitions_test', async (url) => {
      await withSql(url, async (sql) => {
        // Far beyond the migration's window, so this month has no partition yet.
        const eventId = randomUUID();
        await insertEvent(sql, eventId, '2031-05-17T08:30:00Z');
        expect(await partitionOf(sql, eventId)).toBe('telematics_events_default');

        const [created] = await sql<{ count: number }[]>`SELECT ensure_event_partitions('2031-04-10', '2031-06-01') AS count`;
        const [again] = await sql<{ count: number }[]>`SELECT ensure_event_partitions('2031-04-10', '2031-06-01') AS count`;

        expect([created?.count, again?.count]).toEqual([3, 0]);
        expect(await partitionOf(sql, eventId)).toBe('telematics_events_2031_05');
        const [stray] = await sql<{ rows: number }[]>`SELECT count(*)::int AS rows FROM telematics_events_default`;
        expect(stray?.rows).toBe(0);
        // The moved-into partition is a full member: it carries the parent's indexes.
        const indexes = await sql<{ indexdef: string }[]>`SELECT indexdef FROM pg_indexes WHERE tablename = 'telematics_events_2031_05'`;
        expect(indexes.length).toBeGreaterThanOrEqual(5);
      });
    });
  });

  it('lets two callers create the same months at once without either failing', async () => {
    await withMigratedThrowawayDatabase('telematics_partitions_test', async (url) => {
      await withSql(url, async (sql) => {
        const results = await Promise.all([
          sql<{ count: number }[]>`SELECT ensure_event_partitions('2032-01-01', '2032-12-01') AS count`,
          sql<{ count: number }[]>`SELECT ensure_event_partitions('2032-01-01', '2032-12-01') AS count`,
        ]);

        expect(results.map(([row]) => row?.count).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([0, 12]);
      }, 2);
    });
  });
});
