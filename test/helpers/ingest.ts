import type { Admin } from 'kafkajs';
import { expect } from 'vitest';
import type { Sql } from '../../lib/db/index.js';
import { consumerGroupLag } from '../../lib/ingest/bridge.js';
import type { ProducerProgress } from '../../lib/ingest/producer.js';
import type { TripRow } from '../../lib/trips/queries.js';
import { lambdaKafkaEvent, type KafkaMessage, type LambdaKafkaEvent, type TelematicsEvent } from '../../lib/ingest/index.js';

/** Builders and reference figures for ingest tests. */

/** Kafka messages of `events`, keyed by vehicle, on `partition` from `firstOffset`. */
export function messagesOf(events: readonly unknown[], topic: string, partition = 0, firstOffset = 0): KafkaMessage[] {
  return events.map((event, i) => ({
    topic,
    partition,
    offset: firstOffset + i,
    timestamp: Date.now(),
    key: typeof event === 'object' && event !== null && 'vehicle_id' in event ? String((event as TelematicsEvent).vehicle_id) : null,
    value: typeof event === 'string' ? event : JSON.stringify(event),
  }));
}

export function eventOf(events: readonly unknown[], topic: string, partition = 0, firstOffset = 0): LambdaKafkaEvent {
  return lambdaKafkaEvent(messagesOf(events, topic, partition, firstOffset));
}

/** A trip's figures as compared in tests: the stored row's aggregates, times as exact text, coordinates set. */
export type TripFigures = Omit<TripRow, 'driver_id' | 'vehicle_id' | 'started_at' | 'ended_at' | 'start_lat' | 'start_lon' | 'end_lat' | 'end_lon'> & {
  started_at: string;
  ended_at: string | null;
  start_lat: number;
  start_lon: number;
  end_lat: number;
  end_lon: number;
};

/** The stored trip rows, times as text with microseconds. */
export function storedTrips(sql: Sql, tripIds: readonly string[]): Promise<TripFigures[]> {
  return sql<TripFigures[]>`
    SELECT id, started_at::text, ended_at::text, distance_km, duration_s, avg_speed_kmh, max_speed_kmh,
           harsh_braking_count, harsh_acceleration_count, harsh_cornering_count, speeding_count,
           night_distance_km, event_count, start_lat, start_lon, end_lat, end_lon
    FROM trips WHERE id = ANY(${`{${tripIds.join(',')}}`}::uuid[]) ORDER BY id`;
}

/**
 * The same figures recomputed from scratch from every stored event of each trip, by a plain
 * whole-trip query (no increments): what the ingest path's trip rows must equal.
 */
export function recomputedTrips(sql: Sql, tripIds: readonly string[]): Promise<TripFigures[]> {
  return sql<TripFigures[]>`
    WITH ordered AS (
      SELECT trip_id, ts, event_id, event_type, lat, lon, speed_kmh,
             lag(ts) OVER w AS ts0, lag(lat) OVER w AS lat0, lag(lon) OVER w AS lon0,
             row_number() OVER w AS n, count(*) OVER (PARTITION BY trip_id) AS total
      FROM telematics_events WHERE trip_id = ANY(${`{${tripIds.join(',')}}`}::uuid[])
      WINDOW w AS (PARTITION BY trip_id ORDER BY ts, event_id)
    ),
    per_trip AS (
      SELECT trip_id,
             min(ts) AS first_ts, max(ts) AS last_ts, bool_or(event_type = 'trip_end') AS has_end,
             coalesce(sum(trip_segment_mm(lat0, lon0, lat, lon)) FILTER (WHERE ts0 IS NOT NULL), 0) AS mm,
             coalesce(sum(trip_segment_mm(lat0, lon0, lat, lon)) FILTER (WHERE ts0 IS NOT NULL AND trip_is_night(ts0, lon0)), 0) AS night_mm,
             coalesce(max(speed_kmh), 0) AS max_speed,
             count(*) FILTER (WHERE event_type = 'harsh_braking') AS hb, count(*) FILTER (WHERE event_type = 'harsh_acceleration') AS ha,
             count(*) FILTER (WHERE event_type = 'harsh_cornering') AS hc, count(*) FILTER (WHERE event_type = 'speeding') AS sp,
             count(*) AS n,
             min(lat) FILTER (WHERE n = 1) AS start_lat, min(lon) FILTER (WHERE n = 1) AS start_lon,
             min(lat) FILTER (WHERE n = total) AS end_lat, min(lon) FILTER (WHERE n = total) AS end_lon
      FROM ordered GROUP BY trip_id
    )
    SELECT trip_id AS id, first_ts::text AS started_at, CASE WHEN has_end THEN last_ts::text END AS ended_at,
           mm / 1e6::double precision AS distance_km, floor(extract(epoch FROM last_ts - first_ts))::int AS duration_s,
           CASE WHEN extract(epoch FROM last_ts - first_ts) >= 1
                THEN least(400, round(((mm / 1e6::double precision) / floor(extract(epoch FROM last_ts - first_ts)) * 3600)::numeric, 1))::real ELSE 0 END AS avg_speed_kmh,
           max_speed AS max_speed_kmh, hb::int AS harsh_braking_count, ha::int AS harsh_acceleration_count,
           hc::int AS harsh_cornering_count, sp::int AS speeding_count, night_mm / 1e6::double precision AS night_distance_km,
           n::int AS event_count, start_lat, start_lon, end_lat, end_lon
    FROM per_trip ORDER BY trip_id`;
}

/** Polls `check` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
}

/**
 * Waits for the consumer group to catch up, then checks the database against what was produced:
 * every unique valid event stored exactly once, every poison record a dead letter, and the trips
 * of the run equal to their events.
 */
export async function expectExactlyIngested(
  { sql, admin }: { sql: Sql; admin: Admin },
  run: { topic: string; group: string },
  produced: ProducerProgress,
  since: Date,
  timeoutMs = 120_000,
): Promise<void> {
  expect(produced.errors).toBe(0);
  await waitFor('the consumer group to catch up', async () => ((await consumerGroupLag(admin, run.topic, run.group)) === 0 ? true : undefined), timeoutMs);
  const [counts] = await sql<{ events: number; distinct_ids: number; letters: number }[]>`
    SELECT (SELECT count(*) FROM telematics_events WHERE received_at >= ${since})::int AS events,
           (SELECT count(DISTINCT event_id) FROM telematics_events WHERE received_at >= ${since})::int AS distinct_ids,
           (SELECT count(*) FROM dead_letters WHERE topic = ${run.topic})::int AS letters`;
  expect(counts).toEqual({ events: produced.unique, distinct_ids: produced.unique, letters: produced.poison });
  const trips = (await sql<{ id: string }[]>`SELECT DISTINCT trip_id AS id FROM telematics_events WHERE received_at >= ${since}`).map((r) => r.id);
  expect(await storedTrips(sql, trips)).toEqual(await recomputedTrips(sql, trips));
}
