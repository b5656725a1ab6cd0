-- The keys that sealed the bot's buttons (a hash of the bot token each),
-- so that after the token is rotated, buttons already in people's messages
-- (Share and Refresh for a day, Keep and Release for a round's wait) are
-- still accepted. last_us is when a process last signed with the key.

-- +goose Up
CREATE TABLE button_key (
    purpose TEXT NOT NULL,
    key_hex TEXT NOT NULL,
    last_us BIGINT NOT NULL,
    PRIMARY KEY (purpose, key_hex)
);

-- +goose Down
DROP TABLE button_key;
