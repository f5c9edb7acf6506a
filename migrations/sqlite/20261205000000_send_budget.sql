-- Telegram's bulk budget shared by every bot process on a database (used on
-- PostgreSQL only: on SQLite one process paces its own sends). Kept here so
-- both backends have the same tables.
CREATE TABLE send_budget (
    second BIGINT PRIMARY KEY,
    used BIGINT NOT NULL
);
