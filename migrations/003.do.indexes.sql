-- Indexes, each with the product query it serves (the SQL lives in lib/*/queries.ts; the EXPLAIN
-- test in test/integration/db/explain.test.ts plans those statements over a seeded dataset).
-- Indexes on telematics_events are declared on the partitioned table, so every partition, present
-- and future, gets them. Already covered by constraints in 001 and not repeated here:
--   login            SELECT ... FROM users WHERE username = $1         -> users_username_key
--   a driver's login SELECT ... FROM users WHERE driver_id = $1        -> users_driver_id_key
--   dead-letter dedup ON CONFLICT (topic, kafka_partition, kafka_offset) -> dead_letters_topic_..._key
--   event idempotency ON CONFLICT (event_id, ts)                       -> telematics_events_pkey
-- No GIN index on telematics_events.data: no product query searches inside it (the one key read,
-- speed_limit_kmh, is read from rows already found by other means). Add one with the first query
-- that filters on data (e.g. data @> '{"source": "http"}').

-- drivers ---------------------------------------------------------------------------------------

-- Drivers list, default order (lib/drivers/queries.ts driverSql.list):
--   SELECT ... FROM drivers WHERE true [AND active = $1] ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3
CREATE INDEX drivers_created_idx ON drivers (created_at DESC, id DESC);

-- Drivers list sorted by name:
--   SELECT ... FROM drivers ORDER BY lower(name) ASC, id ASC LIMIT $1 OFFSET $2
CREATE INDEX drivers_name_idx ON drivers (lower(name), id);

-- Drivers list filtered by a name prefix (text_pattern_ops makes LIKE 'abc%' indexable in any collation):
--   SELECT ... FROM drivers WHERE true AND lower(name) LIKE $1 ...
CREATE INDEX drivers_name_prefix_idx ON drivers (lower(name) text_pattern_ops);

-- Driver detail, vehicles and policies of one driver (driverSql.detail):
--   SELECT ... FROM vehicles v WHERE v.driver_id = d.id / FROM policies p WHERE p.driver_id = d.id
CREATE INDEX vehicles_driver_idx ON vehicles (driver_id);
CREATE INDEX policies_driver_idx ON policies (driver_id);

-- trips -----------------------------------------------------------------------------------------

-- A driver's trips, newest first, keyset pages (tripSql.byDriver), and a driver's statistics (driverSql.statistics):
--   SELECT ... FROM trips WHERE driver_id = $1 AND (started_at, id) < ($2, $3) ORDER BY started_at DESC, id DESC LIMIT $4
--   SELECT count(*), sum(distance_km), ... FROM trips WHERE driver_id = $1 AND started_at >= $2 AND started_at < $3
CREATE INDEX trips_driver_started_idx ON trips (driver_id, started_at DESC, id DESC);

-- Fleet activity over a period (dashboardSql.dailyActivity runs it once per day of the chart,
-- dashboardSql.summary once for its period). Trips are inserted as they start, so started_at follows
-- the physical order and a range reads few, adjacent pages:
--   SELECT count(*), count(DISTINCT driver_id), sum(distance_km), ... FROM trips WHERE started_at >= $1 AND started_at < $2
CREATE INDEX trips_started_idx ON trips (started_at);

-- Active trips: the dashboard's count and ingestion's lookup of a driver's open trip. Only open
-- trips are in it, so it stays tiny:
--   SELECT count(*) FROM trips WHERE ended_at IS NULL
--   SELECT ... FROM trips WHERE driver_id = $1 AND ended_at IS NULL
CREATE INDEX trips_active_idx ON trips (driver_id) WHERE ended_at IS NULL;

-- telematics_events -----------------------------------------------------------------------------

-- A driver's events in a period, newest first, keyset pages (eventSql.byDriver). The row comparison
-- bounds ts in the index; ties on ts are ordered by event_id in a small incremental sort:
--   SELECT ... FROM telematics_events WHERE driver_id = $1 AND ts >= $2 AND ts < $3 AND (ts, event_id) < ($4, $5)
--   ORDER BY ts DESC, event_id DESC LIMIT $6
CREATE INDEX telematics_events_driver_ts_idx ON telematics_events (driver_id, ts DESC);

-- One trip's events in time order (tripSql.events):
--   SELECT ... FROM telematics_events WHERE trip_id = $1 AND ts >= $2 AND ts <= $3 ORDER BY ts, event_id
CREATE INDEX telematics_events_trip_idx ON telematics_events (trip_id, ts);

-- Safety events by type over a period (dashboardSql.safetyEvents). Partial: a few percent of events
-- are safety events, so the index is small and the query never touches position rows; driver_id is
-- included so the count of distinct drivers needs no heap visit:
--   SELECT event_type, count(*), count(DISTINCT driver_id) FROM telematics_events
--   WHERE event_type IN ('harsh_braking', 'harsh_acceleration', 'harsh_cornering', 'speeding') AND ts >= $1 AND ts < $2 GROUP BY event_type
CREATE INDEX telematics_events_safety_idx ON telematics_events (ts, event_type) INCLUDE (driver_id)
  WHERE event_type IN ('harsh_braking', 'harsh_acceleration', 'harsh_cornering', 'speeding');

-- Fleet-wide recent events (eventSql.countInPeriod, the events-per-second metric). Events arrive in
-- time order, so each block range of a partition covers a narrow span of ts: a BRIN index of a few
-- pages per partition replaces a B-tree of hundreds of MB for time-range scans:
--   SELECT count(*) FROM telematics_events WHERE ts >= $1 AND ts < $2
CREATE INDEX telematics_events_ts_brin ON telematics_events USING brin (ts) WITH (pages_per_range = 32);

-- risk and pricing ------------------------------------------------------------------------------

-- A driver's current score and score history (riskSql.current, riskSql.history), and every driver's
-- latest score for the dashboard (one probe per driver; score included so no heap visit is needed):
--   SELECT ... FROM risk_scores WHERE driver_id = $1 ORDER BY scored_at DESC, id DESC LIMIT 1
--   SELECT score FROM risk_scores r WHERE r.driver_id = d.id ORDER BY r.scored_at DESC LIMIT 1
CREATE INDEX risk_scores_driver_scored_idx ON risk_scores (driver_id, scored_at DESC, id DESC) INCLUDE (score);

-- A driver's current premium (pricingSql.current):
--   SELECT ... FROM premiums p WHERE p.driver_id = $1 ORDER BY p.computed_at DESC, p.id DESC LIMIT 1
CREATE INDEX premiums_driver_computed_idx ON premiums (driver_id, computed_at DESC, id DESC);
