-- Idempotent scoring runs (issue 9): each hourly run stamps its rows with the run's hour, and a
-- driver has at most one score and one premium per run, so rerunning the same hour for the same
-- drivers updates their rows (INSERT ... ON CONFLICT (driver_id, scoring_run) DO UPDATE) instead of
-- adding rows. Rows written any other way leave scoring_run NULL, which never conflicts.
ALTER TABLE risk_scores ADD COLUMN scoring_run timestamptz;
ALTER TABLE premiums ADD COLUMN scoring_run timestamptz;
CREATE UNIQUE INDEX risk_scores_driver_run_key ON risk_scores (driver_id, scoring_run);
CREATE UNIQUE INDEX premiums_driver_run_key ON premiums (driver_id, scoring_run);
