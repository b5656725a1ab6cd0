-- A snapshot is recorded by every digest made, posted or not (a private
-- /lastactive digest, App Home's Scan now, lastactive digest without
-- --post). The channel's "change since the last digest" must compare with
-- the last digest the channel saw, so each snapshot says whether its digest
-- was posted. Rows from before this migration cannot tell: they count as
-- posted, as they did.

-- +goose Up
ALTER TABLE report_scan ADD COLUMN posted INTEGER NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE report_scan DROP COLUMN posted;
