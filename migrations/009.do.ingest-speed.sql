-- Ingest speed (issue 7): two things the set-based trip update of every ingest batch paid for.

-- trip_is_night was written with a sub-SELECT, which PostgreSQL never inlines: every segment of
-- every batch went through the SQL-function executor (about 27 us a call, a third of the trip
-- update). The same arithmetic as one expression is inlined into the query. date_part('epoch')
-- gives the float8 that extract(epoch)::double precision gave (both are the correctly rounded
-- microseconds / 1e6), so every verdict is unchanged. STABLE, because date_part on a timestamptz
-- is: an IMMUTABLE function whose body calls a STABLE one is not inlined either.
CREATE OR REPLACE FUNCTION trip_is_night(at timestamptz, lon double precision)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE RETURN
  (date_part('epoch', at) / 3600 + lon / 15) - 24 * floor((date_part('epoch', at) / 3600 + lon / 15) / 24) >= 22
  OR (date_part('epoch', at) / 3600 + lon / 15) - 24 * floor((date_part('epoch', at) / 3600 + lon / 15) / 24) < 5;

-- A trip row is rewritten by every batch that brings events of it. Leaving room in each page lets
-- those updates stay on the page (HOT: no new index entries while started_at, ended_at and the
-- driver stay the same, which is every batch but the first and the last of a trip).
ALTER TABLE trips SET (fillfactor = 70);
