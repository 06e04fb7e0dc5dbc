-- Ingestion (lib/ingest): the trip geometry helpers its set-based trip update uses, and the
-- dead-letter indexes the operators' CLI (npm run dead-letters) lists by.

-- Length in whole millimetres of the straight segment between two positions (equirectangular
-- approximation, exact enough for points seconds apart, the same formula the seed generator drives
-- by). Integers make a trip's distance a sum that does not depend on the order its parts were added
-- in: the same events give the same figure in one batch, many, out of order or replayed.
CREATE FUNCTION trip_segment_mm(lat0 double precision, lon0 double precision, lat1 double precision, lon1 double precision)
RETURNS bigint LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN
  round(1000 * sqrt(((lat1 - lat0) * 111320) ^ 2 + ((lon1 - lon0) * 111320 * cos(radians(lat0))) ^ 2))::bigint;

-- Night is 22:00-05:00 local solar time (UTC shifted by longitude / 15 h), as lib/seed's isNight.
CREATE FUNCTION trip_is_night(at timestamptz, lon double precision)
RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN
  (SELECT h - 24 * floor(h / 24) >= 22 OR h - 24 * floor(h / 24) < 5
   FROM (SELECT extract(epoch FROM at)::double precision / 3600 + lon / 15 AS h) AS local_hour);

-- Dead letters newest first, all or of one error code (lib/ingest/queries.ts deadLetterSql.list):
--   SELECT ... FROM dead_letters [WHERE error_code = $1] AND (received_at, id) < ($2, $3) ORDER BY received_at DESC, id DESC LIMIT $4
CREATE INDEX dead_letters_received_idx ON dead_letters (received_at DESC, id DESC);
CREATE INDEX dead_letters_code_received_idx ON dead_letters (error_code, received_at DESC, id DESC);
