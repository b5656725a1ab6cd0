-- Each person's own outcome in an entry that names several: a lookup of two
-- people where one read got a 503 was "partial" in both their trails. A
-- JSON array of {"email", "account_id", "outcome", "reason"}, one a person
-- the entry looked up; '[]' (every entry before this) means the entry's
-- outcome is everyone's, as it was read before.

-- +goose Up
ALTER TABLE audit_entry ADD COLUMN people TEXT NOT NULL DEFAULT '[]';

-- +goose Down
ALTER TABLE audit_entry DROP COLUMN people;
