-- Telegram's bulk budget shared by every bot process on this database: how
-- many bulk messages were sent in each second (Unix seconds, by the
-- database's clock). Rows older than a minute are removed as new seconds
-- begin. Unlogged: a lost count after a crash only lets one second through.
CREATE UNLOGGED TABLE send_budget (
    second BIGINT PRIMARY KEY,
    used BIGINT NOT NULL
);
