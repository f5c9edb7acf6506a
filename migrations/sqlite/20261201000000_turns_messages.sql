-- One update, one transaction: what a turn must still deliver after a crash.

-- Every committed turn has a number, rising across the whole bot. The number
-- below which every turn's replies were delivered is kept in `meta`
-- (`delivered_below`); after a crash, residents whose last turn is at or above
-- it are shown where they stand.
ALTER TABLE dialogue_state ADD COLUMN turn INTEGER NOT NULL DEFAULT 0;
CREATE INDEX dialogue_state_by_turn ON dialogue_state (turn);

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

-- Messages about tickets that must reach someone other than the person whose
-- update caused them: a ticket's post to the librarians' group, a resident's
-- follow-up, a librarian's answer to the resident, the notice that a ticket
-- was closed. Written in the same transaction as the change they report, and
-- sent by the outbox task; only a send in flight at a crash can repeat.
CREATE TABLE messages (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    kind           TEXT    NOT NULL CHECK (kind IN ('ticket_post', 'follow_up', 'answer', 'closed')),
    ticket         INTEGER NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    ticket_message INTEGER REFERENCES ticket_messages(id) ON DELETE CASCADE,
    reply_to       INTEGER,  -- the librarians' message an answer came from
    status         TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_try       INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    done_at        INTEGER
);
CREATE INDEX messages_pending ON messages (status, next_try);
CREATE INDEX messages_by_ticket ON messages (ticket);
