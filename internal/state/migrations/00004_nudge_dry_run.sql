-- Keep or release: what each dry-run round (LASTACTIVE_NUDGE=dry-run,
-- lastactive nudge --dry-run) would have sent and whom it skipped and why,
-- one row per round, for App Home. The record is JSON (state.DryRun); only
-- the newest rounds are kept.

-- +goose Up
CREATE TABLE nudge_dry_run (
    round  TEXT PRIMARY KEY,
    at_us  BIGINT NOT NULL,
    record TEXT NOT NULL
);
CREATE INDEX nudge_dry_run_by_time ON nudge_dry_run (at_us);

-- +goose Down
DROP INDEX nudge_dry_run_by_time;
DROP TABLE nudge_dry_run;
