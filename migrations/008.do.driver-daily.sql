-- Per-driver daily rollup of finished trips (issue 9): what the scoring run's features read instead
-- of trips. A 90-day window of the whole fleet is ~70 narrow rows per driver here against ~190 wide
-- trip rows, which is what brings the features pass of 10,000 drivers from seconds to a few hundred
-- milliseconds.
--
-- A row sums one driver's finished trips (ended_at IS NOT NULL) that started on one UTC day. It is
-- derived data, kept exact by recomputation, never by increments: ingestion recomputes the (driver,
-- day) pairs its batch's trips span, from trips, in the same transaction as the trip update
-- (lib/trips/queries.ts driverDailySql.refresh), so replays, duplicates and out-of-order events give
-- the same rows as a rebuild from trips; the seeder rebuilds it after writing trips
-- (driverDailySql.rebuild). A pair without finished trips has no row.
CREATE TABLE driver_daily (
  driver_id                 bigint           NOT NULL REFERENCES drivers (id) ON DELETE CASCADE,
  day                       date             NOT NULL,  -- UTC day of the trips' started_at
  trips                     integer          NOT NULL CHECK (trips > 0),
  distance_km               double precision NOT NULL CHECK (distance_km >= 0),
  duration_s                bigint           NOT NULL CHECK (duration_s >= 0),
  night_distance_km         double precision NOT NULL CHECK (night_distance_km >= 0),
  harsh_braking_count       integer          NOT NULL CHECK (harsh_braking_count >= 0),
  harsh_acceleration_count  integer          NOT NULL CHECK (harsh_acceleration_count >= 0),
  harsh_cornering_count     integer          NOT NULL CHECK (harsh_cornering_count >= 0),
  speeding_count            integer          NOT NULL CHECK (speeding_count >= 0),
  max_speed_kmh             real             NOT NULL CHECK (max_speed_kmh BETWEEN 0 AND 400),
  -- The features of one driver (on-demand scoring) and the refresh of one driver's days read by this
  -- key; the hourly run reads the window's rows of every driver, a sequential scan of a narrow table:
  --   SELECT ... FROM driver_daily WHERE day >= $1 AND day < $2 [AND driver_id = ANY($3)]
  PRIMARY KEY (driver_id, day)
);

-- The UTC days a trip may be counted on: from the day it starts to the day of its last event
-- (started_at + duration_s, plus the second duration_s rounds away). A trip's earlier start, before an
-- out-of-order batch moved it back, was one of its stored events, so it lies in that span too.
-- PL/pgSQL so it is never inlined: ROWS 2 (most trips span one day, some two) is what the planner
-- then expects per trip, instead of generate_series's default of 1000, which would turn a refresh's
-- few index probes into a scan of trips.
CREATE FUNCTION trip_days(started_at timestamptz, duration_s integer)
RETURNS SETOF date LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE ROWS 2 AS $$
DECLARE
  first_day date := (started_at AT TIME ZONE 'UTC')::date;
  last_day date := ((started_at + (duration_s + 1) * interval '1 second') AT TIME ZONE 'UTC')::date;
BEGIN
  RETURN QUERY SELECT first_day + i FROM generate_series(0, last_day - first_day) AS i;
END $$;

-- Backfill from the trips already stored (the same sums as driverDailySql.rebuild).
INSERT INTO driver_daily (driver_id, day, trips, distance_km, duration_s, night_distance_km, harsh_braking_count,
                          harsh_acceleration_count, harsh_cornering_count, speeding_count, max_speed_kmh)
SELECT driver_id, (started_at AT TIME ZONE 'UTC')::date, count(*), sum(distance_km::numeric), sum(duration_s), sum(night_distance_km::numeric),
       sum(harsh_braking_count), sum(harsh_acceleration_count), sum(harsh_cornering_count), sum(speeding_count), max(max_speed_kmh)
FROM trips
WHERE ended_at IS NOT NULL
GROUP BY driver_id, (started_at AT TIME ZONE 'UTC')::date
ORDER BY 1, 2;

-- Statistics now rather than at autovacuum's next pass: the first scoring run after this migration plans with them.
ANALYZE driver_daily;
