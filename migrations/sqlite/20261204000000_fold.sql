-- Events older than database.fold_after_days, folded (src/store/fold.rs): what the
-- statistics need of them, and no more; the events themselves are deleted.

-- Each (lesson step, resident) pair reached in a folded step_reached event, once: the
-- funnels count distinct residents per step over all time. Goes with the resident.
CREATE TABLE fold_steps (
    dialogue  TEXT    NOT NULL,
    step      TEXT    NOT NULL,
    user_id   INTEGER NOT NULL REFERENCES residents (user_id) ON DELETE CASCADE,
    -- The UTC day (Unix seconds / 86400) of the first folded event.
    first_day INTEGER NOT NULL,
    PRIMARY KEY (dialogue, step, user_id)
);
CREATE INDEX fold_steps_by_user ON fold_steps (user_id);

-- Folded quiz_answered events, counted per UTC day and question ('' for none), as the
-- quiz figures count them; no resident's id.
CREATE TABLE fold_quizzes (
    day               INTEGER NOT NULL,
    dialogue          TEXT    NOT NULL,
    step              TEXT    NOT NULL,
    answers           INTEGER NOT NULL,
    first_try         INTEGER NOT NULL,
    first_try_correct INTEGER NOT NULL,
    first_try_wrong   INTEGER NOT NULL,
    PRIMARY KEY (day, dialogue, step)
);

-- The fold takes the oldest events first; the weekly series reads a range of time, and finds
-- the residents and kinds in the index itself.
CREATE INDEX events_by_at ON events (at, user_id, kind);
