-- How a nudge's product ended for the person asked (released, kept by an
-- approver, kept because they used it again, restored), and when: their
-- nudge message is updated to say it, each product on its own line, and
-- an update of another line must not lose it.

-- +goose Up
ALTER TABLE nudge ADD COLUMN settled TEXT NOT NULL DEFAULT '';
ALTER TABLE nudge ADD COLUMN settled_us BIGINT NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE nudge DROP COLUMN settled_us;
ALTER TABLE nudge DROP COLUMN settled;
