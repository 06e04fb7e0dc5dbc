import { arrayLiteral, cursorTimestampOf, type Sql, type TransactionSql } from '../db/index.js';

/**
 * SQL of the ingest path. Each statement is written once as a function of the client, run by name
 * (store.ts) and planned by test/integration/ingest/explain.test.ts.
 *
 * A batch is written in one transaction: the valid events are inserted into `telematics_events`
 * with ON CONFLICT DO NOTHING (the (event_id, ts) key makes a replay change nothing), and the rows
 * actually inserted are kept in a session temp table from which the touched trips are brought up
 * to date in one statement:
 *
 * - counts, maximum speed and "has ended" are incremental: each stored event is counted once, since
 *   a replayed one is not inserted again;
 * - first and last event (start and end time and place) are read back from the trip's index, one
 *   probe each, bounded by the trip's known span so only the partitions it covers are searched;
 * - distance and night distance depend on neighbours, so they are recomputed, but only over the
 *   span the new events fall into (from the stored event before the earliest new one to the one
 *   after the latest): delta = segments of that span with the new events minus without them. For
 *   events streaming in order that span is the new events plus one, whatever the trip's length.
 *   Segments are whole millimetres, so the sums are exact and order-independent.
 */

/** Columns of telematics_events an event fills, in COPY order; `data` is JSON text or NULL. */
export const EVENT_COLUMNS = [
  'event_id', 'ts', 'driver_id', 'vehicle_id', 'trip_id', 'event_type', 'lat', 'lon', 'speed_kmh',
  'acceleration_mps2', 'lateral_mps2', 'heading_deg', 'data',
] as const;

/** A batch as one PostgreSQL array literal per column (`{a,b,NULL}`), for insertEvents. */
export type EventColumns = Record<(typeof EVENT_COLUMNS)[number], string>;

export interface VehicleOwnerRow {
  id: number;
  driver_id: number;
}

export interface StoredSummaryRow {
  stored: number;
  drivers: number[] | null;
  trips: string[] | null;
  /** The trips whose end this batch stored, as the upsert left them (their `trip.ended` message). */
  ended: EndedTripRow[] | null;
}

export interface EndedTripRow {
  id: string;
  driver_id: number;
  /** Exact UTC text with microseconds. */
  started_at: string;
  ended_at: string;
  distance_km: number;
}

export interface DeadLetterInsert {
  source: 'kafka' | 'http';
  topic: string | null;
  kafka_partition: number | null;
  kafka_offset: number | null;
  /** base64 */
  key: string | null;
  /** base64 */
  value: string | null;
  headers: unknown;
  reason: string;
  error_code: string;
}

export interface DeadLetterRow {
  id: number;
  received_at: Date;
  source: 'kafka' | 'http';
  topic: string | null;
  kafka_partition: number | null;
  kafka_offset: number | null;
  key: Buffer | null;
  value: Buffer | null;
  headers: unknown;
  reason: string;
  error_code: string;
}

export interface DeadLetterCountRow {
  error_code: string;
  count: number;
  oldest: Date;
  newest: Date;
}


export const ingestSql = {
  /** Which driver each vehicle belongs to (unknown ids are absent). */
  vehicleOwners: (sql: Sql, vehicleIds: readonly number[]) => sql<VehicleOwnerRow[]>`
    SELECT id, driver_id FROM vehicles WHERE id = ANY(${arrayLiteral(vehicleIds)}::bigint[])`,

  /**
   * The per-session table of the events a batch stored, created on a connection's first batch and
   * emptied at every commit. A DO block rather than CREATE ... IF NOT EXISTS, which would send a
   * NOTICE per batch.
   */
  prepareStaging: (tx: TransactionSql) => tx`
    DO $$
    BEGIN
      IF to_regclass('pg_temp.ingest_stored') IS NULL THEN
        CREATE TEMP TABLE ingest_stored (
          event_id uuid NOT NULL, ts timestamptz NOT NULL, driver_id bigint NOT NULL, vehicle_id bigint NOT NULL,
          trip_id uuid, event_type text NOT NULL, lat double precision NOT NULL, lon double precision NOT NULL,
          speed_kmh real, PRIMARY KEY (event_id, ts)
        ) ON COMMIT DELETE ROWS;
      END IF;
    END $$`,

  /**
   * Serialises batches that touch the same trips (an HTTP upload and the Kafka stream, two
   * partitions after a re-keying): a trip's delta must be computed with every earlier writer
   * committed. Locks are taken in one order so two batches cannot deadlock.
   */
  lockTrips: (tx: TransactionSql, tripIds: readonly string[]) => tx`
    SELECT count(pg_advisory_xact_lock(hashtextextended('trip:' || id, 0)))::int AS locked
    FROM (SELECT id FROM unnest(${arrayLiteral(tripIds)}::text[]) AS id ORDER BY id) AS ordered`,

  /**
   * Stores a batch, sent as one array literal per column (store.ts eventColumns): one statement,
   * one round trip. Only the events not stored before come back, into ingest_stored. Arrays parse
   * faster than the JSON array this used to stage first, and the staging copy is gone. Not COPY:
   * postgres.js's COPY stream throws outside any promise when its connection is cut mid-stream (a
   * database restart killed the process), while a failed statement is an ordinary transient error.
   */
  insertEvents: (tx: TransactionSql, c: EventColumns) => tx`
    WITH inserted AS (
      INSERT INTO telematics_events (event_id, ts, driver_id, vehicle_id, trip_id, event_type, lat, lon, speed_kmh,
                                     acceleration_mps2, lateral_mps2, heading_deg, data)
      SELECT event_id, ts, driver_id, vehicle_id, trip_id, event_type, lat, lon, speed_kmh,
             acceleration_mps2, lateral_mps2, heading_deg, coalesce(data, '{}')
      FROM unnest(${c.event_id}::uuid[], ${c.ts}::timestamptz[], ${c.driver_id}::bigint[], ${c.vehicle_id}::bigint[],
                  ${c.trip_id}::uuid[], ${c.event_type}::text[], ${c.lat}::double precision[], ${c.lon}::double precision[],
                  ${c.speed_kmh}::real[], ${c.acceleration_mps2}::real[], ${c.lateral_mps2}::real[], ${c.heading_deg}::real[],
                  ${c.data}::jsonb[])
        AS r(event_id, ts, driver_id, vehicle_id, trip_id, event_type, lat, lon, speed_kmh, acceleration_mps2, lateral_mps2, heading_deg, data)
      ON CONFLICT DO NOTHING
      RETURNING event_id, ts, driver_id, vehicle_id, trip_id, event_type, lat, lon, speed_kmh
    )
    INSERT INTO ingest_stored SELECT * FROM inserted`,

  /**
   * Brings the trips of the newly stored events up to date (see the module comment) and sums up the
   * batch, with the figures of the trips it ended as upserted: the notification reads no trip again.
   */
  updateTrips: (tx: TransactionSql) => tx<StoredSummaryRow[]>`
    WITH batch AS (
      SELECT trip_id AS id, min(driver_id) AS driver_id, min(vehicle_id) AS vehicle_id, min(ts) AS lo, max(ts) AS hi,
             count(*)::int AS n,
             count(*) FILTER (WHERE event_type = 'harsh_braking')::int AS harsh_braking,
             count(*) FILTER (WHERE event_type = 'harsh_acceleration')::int AS harsh_acceleration,
             count(*) FILTER (WHERE event_type = 'harsh_cornering')::int AS harsh_cornering,
             count(*) FILTER (WHERE event_type = 'speeding')::int AS speeding,
             max(speed_kmh) AS max_speed, bool_or(event_type = 'trip_end') AS has_end
      FROM ingest_stored
      WHERE trip_id IS NOT NULL
      GROUP BY trip_id
    ),
    new_first AS (
      SELECT DISTINCT ON (trip_id) trip_id AS id, ts, lat, lon FROM ingest_stored WHERE trip_id IS NOT NULL ORDER BY trip_id, ts, event_id
    ),
    new_last AS (
      SELECT DISTINCT ON (trip_id) trip_id AS id, ts, lat, lon FROM ingest_stored WHERE trip_id IS NOT NULL ORDER BY trip_id, ts DESC, event_id DESC
    ),
    known AS (
      -- The trip as stored before this batch. "last_bound" is at or after its last stored event
      -- (duration_s is that event's distance from the first, rounded down). "appended": every new
      -- event is later than every stored one (a new trip, or events streaming in order), the case
      -- that needs no search of the trip's stored events beyond its last one.
      SELECT b.*, o.id IS NOT NULL AS existed, o.started_at, o.ended_at, o.distance_km, o.night_distance_km, o.event_count, o.max_speed_kmh,
             o.harsh_braking_count, o.harsh_acceleration_count, o.harsh_cornering_count, o.speeding_count,
             o.driver_id AS owner_driver_id, o.vehicle_id AS owner_vehicle_id, o.start_lat, o.start_lon,
             o.started_at + (o.duration_s + 1) * interval '1 second' AS last_bound,
             o.id IS NULL OR b.lo >= o.started_at + (o.duration_s + 1) * interval '1 second' AS appended
      FROM batch b
      LEFT JOIN trips o ON o.id = b.id
    ),
    ends AS (
      SELECT k.id, k.appended,
             coalesce(f.ts, CASE WHEN k.existed THEN k.started_at ELSE nf.ts END) AS first_ts,
             coalesce(f.lat, CASE WHEN k.existed THEN k.start_lat ELSE nf.lat END) AS first_lat,
             coalesce(f.lon, CASE WHEN k.existed THEN k.start_lon ELSE nf.lon END) AS first_lon,
             coalesce(l.ts, nl.ts) AS last_ts, coalesce(l.lat, nl.lat) AS last_lat, coalesce(l.lon, nl.lon) AS last_lon,
             prev.ts AS prev_ts, prev.lat AS prev_lat, prev.lon AS prev_lon, prev.event_id AS prev_event_id,
             coalesce(prev.ts, k.lo) AS span_from, coalesce(next.ts, k.hi) AS span_to
      FROM known k
      JOIN new_first nf ON nf.id = k.id
      JOIN new_last nl ON nl.id = k.id
      -- The stored event just before the new ones: one probe near the trip's end when appending.
      LEFT JOIN LATERAL (
        SELECT e.ts, e.lat, e.lon, e.event_id FROM telematics_events e
        WHERE k.existed AND e.trip_id = k.id AND e.ts < k.lo AND e.ts >= CASE WHEN k.appended THEN k.last_bound - interval '1 second' ELSE k.started_at END
        ORDER BY e.ts DESC, e.event_id DESC LIMIT 1) prev ON true
      -- Out of order only: the first and last event overall and the stored event after the new ones.
      LEFT JOIN LATERAL (
        SELECT e.ts, e.lat, e.lon FROM telematics_events e
        WHERE NOT k.appended AND e.trip_id = k.id AND e.ts >= least(k.started_at, k.lo) AND e.ts <= k.lo
        ORDER BY e.ts, e.event_id LIMIT 1) f ON true
      LEFT JOIN LATERAL (
        SELECT e.ts, e.lat, e.lon FROM telematics_events e
        WHERE NOT k.appended AND e.trip_id = k.id AND e.ts >= k.hi AND e.ts <= greatest(k.last_bound, k.hi)
        ORDER BY e.ts DESC, e.event_id DESC LIMIT 1) l ON true
      LEFT JOIN LATERAL (
        SELECT e.ts FROM telematics_events e
        WHERE NOT k.appended AND e.trip_id = k.id AND e.ts > k.hi AND e.ts <= k.last_bound
        ORDER BY e.ts LIMIT 1) next ON true
    ),
    span AS (
      -- Appended: the new events after the stored one before them; nothing else is read.
      SELECT x.id, s.ts, s.event_id, s.lat, s.lon, true AS is_new
      FROM ends x JOIN ingest_stored s ON s.trip_id = x.id
      WHERE x.appended
      UNION ALL
      SELECT x.id, x.prev_ts, x.prev_event_id, x.prev_lat, x.prev_lon, false
      FROM ends x WHERE x.appended AND x.prev_ts IS NOT NULL
      UNION ALL
      -- Out of order: every stored event between the neighbours of the new ones.
      SELECT x.id, e.ts, e.event_id, e.lat, e.lon, s.event_id IS NOT NULL
      FROM ends x
      JOIN telematics_events e ON e.trip_id = x.id AND e.ts >= x.span_from AND e.ts <= x.span_to
      LEFT JOIN ingest_stored s ON s.event_id = e.event_id AND s.ts = e.ts
      WHERE NOT x.appended
    ),
    segments AS (
      SELECT id, 1 AS sign, lag(ts) OVER w AS ts0, lag(lat) OVER w AS lat0, lag(lon) OVER w AS lon0, lat, lon
      FROM span WINDOW w AS (PARTITION BY id ORDER BY ts, event_id)
      UNION ALL
      SELECT id, -1 AS sign, lag(ts) OVER w, lag(lat) OVER w, lag(lon) OVER w, lat, lon
      FROM span WHERE NOT is_new WINDOW w AS (PARTITION BY id ORDER BY ts, event_id)
    ),
    delta AS (
      SELECT id, sum(sign * mm)::bigint AS mm, sum(sign * mm) FILTER (WHERE trip_is_night(ts0, lon0))::bigint AS night_mm
      FROM (SELECT id, sign, ts0, lon0, trip_segment_mm(lat0, lon0, lat, lon) AS mm FROM segments WHERE ts0 IS NOT NULL) AS s
      GROUP BY id
    ),
    figures AS (
      SELECT k.id, coalesce(k.owner_driver_id, k.driver_id) AS driver_id, coalesce(k.owner_vehicle_id, k.vehicle_id) AS vehicle_id,
             x.first_ts, x.last_ts, x.first_lat, x.first_lon, x.last_lat, x.last_lon,
             CASE WHEN k.has_end OR k.ended_at IS NOT NULL THEN x.last_ts END AS ended_at,
             (round(coalesce(k.distance_km, 0) * 1e6)::bigint + coalesce(d.mm, 0)) / 1e6::double precision AS distance_km,
             (round(coalesce(k.night_distance_km, 0) * 1e6)::bigint + coalesce(d.night_mm, 0)) / 1e6::double precision AS night_distance_km,
             floor(extract(epoch FROM x.last_ts - x.first_ts))::int AS duration_s,
             coalesce(k.event_count, 0) + k.n AS event_count,
             coalesce(greatest(k.max_speed_kmh, k.max_speed), 0) AS max_speed_kmh,
             coalesce(k.harsh_braking_count, 0) + k.harsh_braking AS harsh_braking_count,
             coalesce(k.harsh_acceleration_count, 0) + k.harsh_acceleration AS harsh_acceleration_count,
             coalesce(k.harsh_cornering_count, 0) + k.harsh_cornering AS harsh_cornering_count,
             coalesce(k.speeding_count, 0) + k.speeding AS speeding_count
      FROM known k
      JOIN ends x ON x.id = k.id
      LEFT JOIN delta d ON d.id = k.id
    ),
    upserted AS (
      INSERT INTO trips AS t (id, driver_id, vehicle_id, started_at, ended_at, distance_km, duration_s, avg_speed_kmh, max_speed_kmh,
                              harsh_braking_count, harsh_acceleration_count, harsh_cornering_count, speeding_count,
                              night_distance_km, event_count, start_lat, start_lon, end_lat, end_lon)
      SELECT id, driver_id, vehicle_id, first_ts, ended_at, distance_km, duration_s,
             CASE WHEN duration_s > 0 THEN least(400, round((distance_km / duration_s * 3600)::numeric, 1)) ELSE 0 END,
             max_speed_kmh, harsh_braking_count, harsh_acceleration_count, harsh_cornering_count, speeding_count,
             night_distance_km, event_count, first_lat, first_lon, last_lat, last_lon
      FROM figures
      ON CONFLICT (id) DO UPDATE SET
        started_at = excluded.started_at, ended_at = excluded.ended_at, distance_km = excluded.distance_km,
        duration_s = excluded.duration_s, avg_speed_kmh = excluded.avg_speed_kmh, max_speed_kmh = excluded.max_speed_kmh,
        harsh_braking_count = excluded.harsh_braking_count, harsh_acceleration_count = excluded.harsh_acceleration_count,
        harsh_cornering_count = excluded.harsh_cornering_count, speeding_count = excluded.speeding_count,
        night_distance_km = excluded.night_distance_km, event_count = excluded.event_count,
        start_lat = excluded.start_lat, start_lon = excluded.start_lon, end_lat = excluded.end_lat, end_lon = excluded.end_lon,
        updated_at = now()
      RETURNING id, driver_id, started_at, ended_at, distance_km
    )
    SELECT (SELECT count(*) FROM ingest_stored)::int AS stored,
           (SELECT json_agg(DISTINCT driver_id) FROM ingest_stored) AS drivers,
           (SELECT json_agg(id) FROM upserted) AS trips,
           (SELECT json_agg(json_build_object('id', u.id, 'driver_id', u.driver_id, 'started_at', ${cursorTimestampOf(tx, 'started_at')},
                                              'ended_at', ${cursorTimestampOf(tx, 'ended_at')}, 'distance_km', u.distance_km))
            FROM upserted u JOIN batch b ON b.id = u.id WHERE b.has_end) AS ended`,

  /** Records that can never be ingested; a redelivered Kafka record hits the (topic, partition, offset) key. */
  insertDeadLetters: (tx: TransactionSql | Sql, rows: readonly DeadLetterInsert[]) => tx<{ inserted: number }[]>`
    WITH inserted AS (
      INSERT INTO dead_letters (source, topic, kafka_partition, kafka_offset, key, value, headers, reason, error_code)
      SELECT source, topic, kafka_partition, kafka_offset, decode(key, 'base64'), decode(value, 'base64'), headers, reason, error_code
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb)
        AS r(source text, topic text, kafka_partition integer, kafka_offset bigint, key text, value text, headers jsonb, reason text, error_code text)
      ON CONFLICT (topic, kafka_partition, kafka_offset) DO NOTHING
      RETURNING 1
    )
    SELECT count(*)::int AS inserted FROM inserted`,
};

export interface DeadLetterListParams {
  code?: string;
  /** Only dead letters received before this id's (received_at, id). */
  beforeId?: number;
  limit: number;
}

const DEAD_LETTER_COLUMNS = (sql: Sql) => sql`id, received_at, source, topic, kafka_partition, kafka_offset, key, value, headers, reason, error_code`;

export const deadLetterSql = {
  countsByCode: (sql: Sql) => sql<DeadLetterCountRow[]>`
    SELECT error_code, count(*)::int AS count, min(received_at) AS oldest, max(received_at) AS newest
    FROM dead_letters GROUP BY error_code ORDER BY count DESC, error_code`,

  list: (sql: Sql, p: DeadLetterListParams) => sql<DeadLetterRow[]>`
    SELECT ${DEAD_LETTER_COLUMNS(sql)} FROM dead_letters
    WHERE true
      ${p.code ? sql`AND error_code = ${p.code}` : sql``}
      ${p.beforeId ? sql`AND (received_at, id) < (SELECT received_at, id FROM dead_letters WHERE id = ${p.beforeId})` : sql``}
    ORDER BY received_at DESC, id DESC
    LIMIT ${p.limit}`,

  byIds: (sql: Sql, ids: readonly number[]) => sql<DeadLetterRow[]>`
    SELECT ${DEAD_LETTER_COLUMNS(sql)} FROM dead_letters WHERE id = ANY(${arrayLiteral(ids)}::bigint[]) ORDER BY id`,

  updateReason: (sql: Sql, id: number, reason: string) => sql`UPDATE dead_letters SET reason = ${reason} WHERE id = ${id}`,

  remove: (sql: Sql, ids: readonly number[]) => sql<{ id: number }[]>`
    DELETE FROM dead_letters WHERE id = ANY(${arrayLiteral(ids)}::bigint[]) RETURNING id`,
};
