-- Review (src/app/review.rs, src/store/review.rs): the questions of lessons a resident
-- answered wrong come back one, three and seven days later in /review, until they are
-- answered right at the last of those, or right at the first try in the lesson again.

-- One row per resident and question. stage 0, 1, 2: the next review is the first, the
-- second or the third (due one, three or seven days after the answer before it).
CREATE TABLE review_items (
    user_id  BIGINT NOT NULL REFERENCES residents (user_id) ON DELETE CASCADE,
    dialogue TEXT   NOT NULL,
    step     TEXT   NOT NULL,
    stage    BIGINT NOT NULL DEFAULT 0,
    -- The last wrong answer (Unix seconds).
    wrong_at BIGINT NOT NULL,
    -- When it may be asked again: the start of a local day (Unix seconds).
    due_at   BIGINT NOT NULL,
    -- Learned: NULL while it still comes back.
    done_at  BIGINT,
    -- Every read is one resident's: the key's first column serves them.
    PRIMARY KEY (user_id, dialogue, step)
);

-- The reminder of a resident who turned it on in /settings (off without a row).
CREATE TABLE review_reminders (
    user_id  BIGINT PRIMARY KEY REFERENCES residents (user_id) ON DELETE CASCADE,
    enabled  BIGINT NOT NULL DEFAULT 0,
    -- The local date (YYYY-MM-DD) of the last reminder sent: at most one a day.
    last_day TEXT
);
