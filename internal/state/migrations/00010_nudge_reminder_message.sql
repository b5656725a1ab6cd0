-- Where each nudge's one reminder went: the reminder is a message of its
-- own, with Keep and Release for every seat it names (gathered from one or
-- several rounds), so it is updated as the nudge message is when a seat is
-- answered, escalated or settled; otherwise its buttons would stay live.

-- +goose Up
ALTER TABLE nudge ADD COLUMN reminder_channel TEXT NOT NULL DEFAULT '';
ALTER TABLE nudge ADD COLUMN reminder_ts TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE nudge DROP COLUMN reminder_ts;
ALTER TABLE nudge DROP COLUMN reminder_channel;
