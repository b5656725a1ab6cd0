-- Keep or release: the nudges sent (one row per round, account and product,
-- so a restarted round sends nothing twice), the release requests (one per
-- nudge; decided once, atomically, by UPDATE ... WHERE decided_by = ''), the
-- approvers' copies of each request (to update them when someone decides),
-- and the releases done (one per request, with the steps that undo them).

-- +goose Up
CREATE TABLE nudge (
    id             TEXT PRIMARY KEY,
    round          TEXT NOT NULL,
    account_id     TEXT NOT NULL,
    email          TEXT NOT NULL,
    product        TEXT NOT NULL,
    product_key    TEXT NOT NULL,
    last_active_us BIGINT NOT NULL,
    slack_user     TEXT NOT NULL,
    channel        TEXT NOT NULL,
    ts             TEXT NOT NULL,
    asked_us       BIGINT NOT NULL,
    answer         TEXT NOT NULL,
    answered_us    BIGINT NOT NULL,
    reminded_us    BIGINT NOT NULL,
    escalated_us   BIGINT NOT NULL,
    UNIQUE (round, account_id, product)
);
CREATE INDEX nudge_by_account ON nudge (account_id, product, asked_us);

CREATE TABLE release_request (
    id          TEXT PRIMARY KEY,
    nudge_id    TEXT NOT NULL UNIQUE,
    account_id  TEXT NOT NULL,
    email       TEXT NOT NULL,
    product     TEXT NOT NULL,
    product_key TEXT NOT NULL,
    requester   TEXT NOT NULL,
    created_us  BIGINT NOT NULL,
    decided_by  TEXT NOT NULL,
    decision    TEXT NOT NULL,
    decided_us  BIGINT NOT NULL
);

CREATE TABLE approval_message (
    request_id TEXT NOT NULL,
    approver   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    ts         TEXT NOT NULL,
    PRIMARY KEY (request_id, approver)
);

CREATE TABLE release_done (
    id           TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL,
    email        TEXT NOT NULL,
    product      TEXT NOT NULL,
    state        TEXT NOT NULL,
    detail       TEXT NOT NULL,
    steps        TEXT NOT NULL,
    done_us      BIGINT NOT NULL,
    undone_us    BIGINT NOT NULL,
    check_due_us BIGINT NOT NULL,
    checked_us   BIGINT NOT NULL
);

-- +goose Down
DROP TABLE release_done;
DROP TABLE approval_message;
DROP TABLE release_request;
DROP INDEX nudge_by_account;
DROP TABLE nudge;
