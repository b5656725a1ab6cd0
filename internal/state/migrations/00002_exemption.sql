-- Exemptions of the "keep or release" feature: never nudge this person about
-- this product (until a date, when until_us is not 0). Keyed by the lower-cased
-- email, the form the slash command gives.
--
-- The other tables of that feature come in later migrations, in the same
-- style: nudge (id, round slot, account ID, email, product, site, sent,
-- answered with keep/release, reminded, escalated, Slack channel and ts;
-- unique per round, account and product so a restarted round sends nothing
-- twice), approval (id, nudge id, requester, decided by, decision, when; one
-- decision per request through an UPDATE ... WHERE decided_by = ''), and
-- release (id, approval id, account ID, product, how it was granted: role or
-- group ID, done, verified, undone), each audited through audit_entry.

-- +goose Up
CREATE TABLE exemption (
    email      TEXT NOT NULL,
    product    TEXT NOT NULL,
    until_us   BIGINT NOT NULL,
    reason     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_us BIGINT NOT NULL,
    PRIMARY KEY (email, product)
);

-- +goose Down
DROP TABLE exemption;
