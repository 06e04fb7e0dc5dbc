-- Partition maintenance state (lib/partitions): one row per month that retention has started to
-- archive, so every step (detach, archive, verify, drop) is visible and a run that crashed midway
-- is completed by the next one. A restored month is kept out of retention until an operator
-- archives it again.
CREATE TABLE partition_archives (
  month           date        PRIMARY KEY CHECK (month = date_trunc('month', month)),
  partition_name  text        NOT NULL UNIQUE,
  state           text        NOT NULL CHECK (state IN ('detached', 'archived', 'dropped', 'restored')),
  bucket          text,
  data_key        text,
  manifest_key    text,
  row_count       bigint      CHECK (row_count >= 0),
  min_ts          timestamptz,
  max_ts          timestamptz,
  sha256          text        CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK (state IN ('detached') OR (data_key IS NOT NULL AND manifest_key IS NOT NULL AND row_count IS NOT NULL AND sha256 IS NOT NULL))
);

-- Dead letters of the last hour (lib/metrics/queries.ts metricsSql.deadLetters, every minute) use
-- dead_letters_received_idx from 005:
--   SELECT count(*) FROM dead_letters WHERE received_at >= $1
