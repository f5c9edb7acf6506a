-- The statistics' all-time counts are no longer changed inside the transaction that writes an
-- event. Every turn that reached a step or answered a question updated one of a few count rows,
-- and on PostgreSQL replicas' turns at the same step waited for each other's commit. Now the
-- triggers only append a change (no row is shared, nothing waits), and the bot adds the changes
-- to the counts every few seconds, one process at a time (src/store/fold.rs, `tally_in`). The
-- statistics read the counts and the changes not added yet, so their figures are the same before
-- and after.
DROP TRIGGER steps_reached_count;
DROP TRIGGER steps_reached_uncount;
DROP TRIGGER events_count_quizzes;

-- One writer adds to the counts now, so they need no shards.
CREATE TABLE step_counts_new (
    dialogue TEXT    NOT NULL,
    step     TEXT    NOT NULL,
    reached  INTEGER NOT NULL,
    PRIMARY KEY (dialogue, step)
);
INSERT INTO step_counts_new (dialogue, step, reached)
SELECT dialogue, step, sum(reached) FROM step_counts GROUP BY dialogue, step;
DROP TABLE step_counts;
ALTER TABLE step_counts_new RENAME TO step_counts;

CREATE TABLE quiz_counts_new (
    day               INTEGER NOT NULL,
    dialogue          TEXT    NOT NULL,
    step              TEXT    NOT NULL,
    answers           INTEGER NOT NULL,
    first_try         INTEGER NOT NULL,
    first_try_correct INTEGER NOT NULL,
    first_try_wrong   INTEGER NOT NULL,
    PRIMARY KEY (day, dialogue, step)
);
INSERT INTO quiz_counts_new
    (day, dialogue, step, answers, first_try, first_try_correct, first_try_wrong)
SELECT day, dialogue, step, sum(answers), sum(first_try), sum(first_try_correct),
       sum(first_try_wrong)
FROM quiz_counts GROUP BY day, dialogue, step;
DROP TABLE quiz_counts;
ALTER TABLE quiz_counts_new RENAME TO quiz_counts;

-- A resident reached a step (+1) or was forgotten (-1), not yet added to `step_counts`.
CREATE TABLE step_count_changes (
    id       INTEGER PRIMARY KEY,
    dialogue TEXT    NOT NULL,
    step     TEXT    NOT NULL,
    reached  INTEGER NOT NULL
);
-- One quiz answer, not yet added to `quiz_counts`; the flags are 0 or 1. No resident's id.
CREATE TABLE quiz_count_changes (
    id                INTEGER PRIMARY KEY,
    day               INTEGER NOT NULL,
    dialogue          TEXT    NOT NULL,
    step              TEXT    NOT NULL,
    first_try         INTEGER NOT NULL,
    first_try_correct INTEGER NOT NULL,
    first_try_wrong   INTEGER NOT NULL
);

CREATE TRIGGER steps_reached_count AFTER INSERT ON steps_reached
BEGIN
    INSERT INTO step_count_changes (dialogue, step, reached) VALUES (NEW.dialogue, NEW.step, 1);
END;
CREATE TRIGGER steps_reached_uncount AFTER DELETE ON steps_reached
BEGIN
    INSERT INTO step_count_changes (dialogue, step, reached) VALUES (OLD.dialogue, OLD.step, -1);
END;
CREATE TRIGGER events_count_quizzes AFTER INSERT ON events
WHEN NEW.kind = 'quiz_answered'
BEGIN
    INSERT INTO quiz_count_changes
        (day, dialogue, step, first_try, first_try_correct, first_try_wrong)
    SELECT NEW.at / 86400, coalesce(NEW.dialogue, ''), coalesce(NEW.step, ''),
           CASE WHEN f = 1 THEN 1 ELSE 0 END,
           CASE WHEN f = 1 AND c = 1 THEN 1 ELSE 0 END,
           CASE WHEN f = 1 AND c = 0 THEN 1 ELSE 0 END
    FROM (SELECT CAST(json_extract(NEW.data, '$.first_try') AS BIGINT) AS f,
                 CAST(json_extract(NEW.data, '$.correct') AS BIGINT) AS c);
END;
