-- A digest marks the seats exempted with /lastactive exempt (kept on
-- purpose), and App Home shows the stored snapshot: each row keeps how many
-- of its unused seats were exempt, and each scan whether the exemptions
-- were read (0: not marked, as every snapshot from before; 1: read; 2:
-- could not be read).

-- +goose Up
ALTER TABLE report_row ADD COLUMN exempt_unused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_scan ADD COLUMN exemptions INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE report_scan DROP COLUMN exemptions;
ALTER TABLE report_row DROP COLUMN exempt_unused;
