-- Librarians' and admins' work: an audit log, residents' subscriptions, and
-- the durable outbox for announcements (a broadcast and one delivery row per
-- recipient, written in one transaction).

-- Every privileged action (and every refused attempt), who and when.
CREATE TABLE audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    actor  INTEGER NOT NULL,          -- Telegram user id, 0 for the command line
    action TEXT    NOT NULL,          -- grant, revoke, announce, refused, ...
    target TEXT,                      -- what it was done to (a user id, a broadcast id)
    detail TEXT
);
CREATE INDEX audit_by_time ON audit (at);

-- What a resident wants to hear about.
CREATE TABLE subscriptions (
    user_id  INTEGER PRIMARY KEY REFERENCES residents(user_id) ON DELETE CASCADE,
    webinars INTEGER NOT NULL DEFAULT 0,
    news     INTEGER NOT NULL DEFAULT 0,
    hub      TEXT,                    -- their library hub, if they chose one
    since    INTEGER NOT NULL
);

-- A message to many residents.
CREATE TABLE broadcasts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    author      INTEGER NOT NULL,     -- the librarian's user id (not a resident row: it outlives them)
    created_at  INTEGER NOT NULL,
    topic       TEXT    NOT NULL CHECK (topic IN ('webinars', 'news')),
    text        TEXT    NOT NULL,     -- with **bold** markup
    photo       TEXT,                 -- a Telegram file id, sent with the text as its caption
    audience    TEXT    NOT NULL,     -- the audience as JSON, for the record
    not_before  INTEGER NOT NULL,     -- quiet hours hold sending until then
    finished_at INTEGER,
    reported    INTEGER NOT NULL DEFAULT 0   -- the author got the final report
);

-- One row per recipient. `pending` rows are sent; each ends `sent`, `blocked`,
-- `skipped` (chat gone) or `failed` (gave up after retries).
CREATE TABLE deliveries (
    broadcast  INTEGER NOT NULL REFERENCES broadcasts(id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    status     TEXT    NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'sent', 'blocked', 'skipped', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_try   INTEGER NOT NULL DEFAULT 0,
    message_id INTEGER,
    done_at    INTEGER,
    PRIMARY KEY (broadcast, user_id)
);
CREATE INDEX deliveries_pending ON deliveries (status, next_try);
