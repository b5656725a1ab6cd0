-- The first schema: one file for SQLite and PostgreSQL alike. Times are
-- microseconds since the Unix epoch (UTC) in BIGINT columns, so both backends
-- compare and index them the same way; ids are text made by the Go code, so
-- neither backend's auto-increment flavour is needed.

-- +goose Up
CREATE TABLE audit_entry (
    id          TEXT PRIMARY KEY,
    at_us       BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    detail      TEXT NOT NULL,
    emails      TEXT NOT NULL, -- JSON array, as given (for display)
    account_ids TEXT NOT NULL  -- JSON array
);
CREATE INDEX audit_entry_at ON audit_entry (at_us);

-- One row per email (lower-cased) or account ID an entry is about, so the
-- trail can be read by either.
CREATE TABLE audit_target (
    target   TEXT NOT NULL,
    audit_id TEXT NOT NULL REFERENCES audit_entry (id) ON DELETE CASCADE,
    PRIMARY KEY (target, audit_id)
);
CREATE INDEX audit_target_audit ON audit_target (audit_id);

CREATE TABLE report_scan (
    id        TEXT PRIMARY KEY,
    taken_us  BIGINT NOT NULL,
    idle_days INTEGER NOT NULL
);
CREATE INDEX report_scan_taken ON report_scan (taken_us);

CREATE TABLE report_row (
    scan_id    TEXT NOT NULL REFERENCES report_scan (id) ON DELETE CASCADE,
    product    TEXT NOT NULL,
    site       TEXT NOT NULL,
    seats      INTEGER NOT NULL,
    capacity   INTEGER NOT NULL,
    active     INTEGER NOT NULL,
    idle       INTEGER NOT NULL,
    never_used INTEGER NOT NULL,
    new_seats  INTEGER NOT NULL,
    PRIMARY KEY (scan_id, product, site)
);

CREATE TABLE envelope_seen (
    id         TEXT PRIMARY KEY,
    expires_us BIGINT NOT NULL
);
CREATE INDEX envelope_seen_expires ON envelope_seen (expires_us);

CREATE TABLE claim_slot (
    slot       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_us BIGINT NOT NULL
);

-- BYTEA is PostgreSQL's binary type; SQLite stores a blob unchanged under
-- the NUMERIC affinity this name gets there.
CREATE TABLE scan_result (
    name       TEXT PRIMARY KEY,
    body       BYTEA NOT NULL,
    expires_us BIGINT NOT NULL
);

-- +goose Down
DROP TABLE scan_result;
DROP TABLE claim_slot;
DROP TABLE envelope_seen;
DROP TABLE report_row;
DROP TABLE report_scan;
DROP TABLE audit_target;
DROP TABLE audit_entry;
