-- Residents, their place in a dialogue, an append-only event log, lesson
-- progress and roles. Times are Unix seconds (UTC).

-- One row per Telegram user who ever wrote to the bot.
CREATE TABLE residents (
    user_id       INTEGER PRIMARY KEY,          -- Telegram user id
    lang          TEXT,                         -- chosen language code
    first_seen    INTEGER NOT NULL,
    last_seen     INTEGER NOT NULL,
    blocked       INTEGER NOT NULL DEFAULT 0,   -- 1 once Telegram says the bot is blocked
    referring_hub TEXT                          -- the hub whose poster brought them (first one wins)
);

-- The engine's state of each resident, as JSON; replaced on every step.
CREATE TABLE dialogue_state (
    user_id    INTEGER PRIMARY KEY REFERENCES residents(user_id) ON DELETE CASCADE,
    state      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
);

-- What happened, for progress and statistics. Rows are only ever added
-- (and removed when a resident asks to be forgotten).
CREATE TABLE events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id  INTEGER REFERENCES residents(user_id) ON DELETE CASCADE,
    at       INTEGER NOT NULL,
    kind     TEXT    NOT NULL,     -- lesson_started, step_reached, quiz_answered, ...
    dialogue TEXT,
    step     TEXT,
    data     TEXT    NOT NULL      -- the whole event as JSON
);
CREATE INDEX events_by_kind ON events (kind, at);
CREATE INDEX events_by_user ON events (user_id, at);

-- One row per resident and lesson opened.
CREATE TABLE lesson_progress (
    user_id      INTEGER NOT NULL REFERENCES residents(user_id) ON DELETE CASCADE,
    lesson       TEXT    NOT NULL,
    started_at   INTEGER NOT NULL,
    completed_at INTEGER,          -- the first completion
    correct      INTEGER,          -- right first answers in the last completed run
    answered     INTEGER,          -- questions in the last completed run
    PRIMARY KEY (user_id, lesson)
);

-- Librarians and admins; residents have no row.
CREATE TABLE roles (
    user_id    INTEGER NOT NULL,
    role       TEXT    NOT NULL CHECK (role IN ('librarian', 'admin')),
    granted_by INTEGER,            -- NULL when granted from the command line
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, role)
);
