-- Questions residents typed for the FAQ, and tickets for librarians.

-- Every question that went to the FAQ, kept WITHOUT who asked it, so admins
-- can see what residents ask and which answers did not help.
CREATE TABLE questions (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    key      TEXT    NOT NULL,   -- ties a later choice or vote to the question
    asked_at INTEGER NOT NULL,
    lang     TEXT    NOT NULL,
    text     TEXT    NOT NULL,
    verdict  TEXT    NOT NULL CHECK (verdict IN ('answered', 'choices', 'nothing')),
    entry    TEXT,               -- the FAQ entry answered at once or chosen
    helpful  INTEGER             -- 1 for 👍, 0 for 👎, NULL without a vote
);
CREATE INDEX questions_by_key ON questions (key);
CREATE INDEX questions_by_time ON questions (asked_at);

-- A resident's question to the librarians and its thread.
CREATE TABLE tickets (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,   -- the number residents and librarians see
    user_id   INTEGER NOT NULL REFERENCES residents(user_id) ON DELETE CASCADE,
    chat_id   INTEGER NOT NULL,                     -- the resident's private chat
    lang      TEXT    NOT NULL,
    opened_at INTEGER NOT NULL,
    closed_at INTEGER,
    closed_by INTEGER                               -- the librarian's user id
);
CREATE INDEX tickets_by_user ON tickets (user_id);

-- The messages of a thread, from either side.
CREATE TABLE ticket_messages (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket    INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    at        INTEGER NOT NULL,
    author    TEXT    NOT NULL CHECK (author IN ('resident', 'librarian')),
    librarian INTEGER,           -- the librarian's user id
    text      TEXT    NOT NULL
);
CREATE INDEX ticket_messages_by_ticket ON ticket_messages (ticket);

-- Which Telegram message belongs to which ticket: posts in the librarians'
-- chat (a librarian replies to one) and answers delivered to the resident.
CREATE TABLE ticket_posts (
    chat_id    INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    ticket     INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX ticket_posts_by_ticket ON ticket_posts (ticket);
