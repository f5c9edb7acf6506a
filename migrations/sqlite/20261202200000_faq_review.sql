-- The FAQ's learning loop. Questions the FAQ missed (choices, nothing, or 👎)
-- are reviewed by librarians; who decided is in `audit`, not here, so these
-- rows stay free of anyone's id, like `questions` itself.

-- What the resident did right after the bot's answer: 'librarian' when they
-- went to a librarian (a pick of a choice is `entry`); NULL: nothing more.
ALTER TABLE questions ADD COLUMN next TEXT;
-- The librarians' decision: 'accepted' (a way to ask `review_entry`),
-- 'new_answer' (the FAQ needs an entry for it: the admins' list),
-- 'out_of_scope'; NULL: not reviewed yet.
ALTER TABLE questions ADD COLUMN review TEXT
    CHECK (review IN ('accepted', 'new_answer', 'out_of_scope'));
ALTER TABLE questions ADD COLUMN review_entry TEXT;
ALTER TABLE questions ADD COLUMN reviewed_at INTEGER;
CREATE INDEX questions_unreviewed ON questions (review, id);

-- Phrasings librarians accepted: the index reads them with the content files
-- (the deployed content folder is read-only to the service), and
-- `pomichnyk faq export` writes them in the FAQ files' format.
CREATE TABLE faq_phrasings (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    entry       TEXT    NOT NULL,
    lang        TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    accepted_at INTEGER NOT NULL,
    UNIQUE (entry, lang, text)
);
