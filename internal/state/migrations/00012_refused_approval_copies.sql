-- An approver's copy of a release request that Slack refused (is_archived,
-- a 429 past the retries, user_not_found) was kept by lastactive before this
-- version as a row with no message in it, and never sent again; the
-- follow-up now sends a refused copy again, and takes a row without a
-- message for a copy on its way. Those of the requests still undecided are
-- forgotten here, so that the follow-up sends them (or, a month after the
-- request, gives them up in the audit trail) instead of the request waiting
-- for ever. A copy Slack might have taken (it was down) may come twice.

-- +goose Up
DELETE FROM approval_message WHERE ts = ''
    AND request_id IN (SELECT id FROM release_request WHERE decided_by = '');

-- +goose Down
-- Nothing to restore: a forgotten copy is asked for again.
SELECT 1;
