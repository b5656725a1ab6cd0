-- Whether a nudge's entry is in the audit trail. The entry is written once
-- Slack answers the post; a process killed in between (SIGKILL, the OOM
-- killer, a node lost) leaves a nudge with no message stored and no entry,
-- though the person may have the message. The follow-up writes the entry
-- of such a nudge once its round's claim has lapsed, and marks it here so
-- that it is written once. The nudges of earlier versions were audited by
-- the process that asked them (that one's entry is all there is): 1.

-- +goose Up
ALTER TABLE nudge ADD COLUMN audited INTEGER NOT NULL DEFAULT 1;
CREATE INDEX nudge_unaudited ON nudge (asked_us) WHERE audited = 0;

-- +goose Down
DROP INDEX nudge_unaudited;
ALTER TABLE nudge DROP COLUMN audited;
