-- A nudge round reads the release requests about each idle person and
-- product it considers (RequestsAbout), tens of thousands a round in a large
-- organisation, and requests are kept for good: without an index each of
-- those reads scanned every request ever made.

-- +goose Up
CREATE INDEX release_request_by_account ON release_request (account_id, product, created_us);

-- +goose Down
DROP INDEX release_request_by_account;
