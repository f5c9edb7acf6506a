-- Telegram's updates the bot has handled, by update_id, written in the same
-- transaction as the turn they caused. Telegram hands an update out again when
-- the bot died before confirming it; one found here is not handled twice.
-- Rows older than two days go at start-up (Telegram keeps updates for 24 hours).
CREATE TABLE handled_updates (
    update_id INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL
);
CREATE INDEX handled_updates_by_age ON handled_updates (at);
