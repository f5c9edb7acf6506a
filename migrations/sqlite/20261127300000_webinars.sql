-- Webinars: what librarians publish, who said they would come, and the
-- reminders due to them (a persisted schedule, so a restart loses none).

CREATE TABLE webinars (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    author      INTEGER NOT NULL,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL,
    starts_at   INTEGER NOT NULL,     -- Unix seconds
    place       TEXT    NOT NULL,     -- a hub id, or an https link for an online one
    capacity    INTEGER,              -- NULL: no limit
    cancelled   INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE INDEX webinars_by_start ON webinars (starts_at);

CREATE TABLE rsvps (
    webinar INTEGER NOT NULL REFERENCES webinars(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES residents(user_id) ON DELETE CASCADE,
    at      INTEGER NOT NULL,
    PRIMARY KEY (webinar, user_id)
);

-- One row per message due to one resident about one webinar.
CREATE TABLE reminders (
    webinar INTEGER NOT NULL REFERENCES webinars(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES residents(user_id) ON DELETE CASCADE,
    kind    TEXT    NOT NULL CHECK (kind IN ('day', 'hour', 'moved', 'cancelled')),
    due_at  INTEGER NOT NULL,
    sent_at INTEGER,
    PRIMARY KEY (webinar, user_id, kind)
);
CREATE INDEX reminders_due ON reminders (sent_at, due_at);

-- An announcement about a webinar carries its "I will come" button.
ALTER TABLE broadcasts ADD COLUMN webinar INTEGER;
