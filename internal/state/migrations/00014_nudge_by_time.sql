-- The daily retention sweep of the keep-or-release tables
-- (SweepKeepOrRelease) reads the nudges asked before the cutoff, oldest
-- first, in batches: without an index each batch scanned every nudge.

-- +goose Up
CREATE INDEX nudge_by_time ON nudge (asked_us);

-- +goose Down
DROP INDEX nudge_by_time;
