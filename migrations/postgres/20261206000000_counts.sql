-- The statistics' all-time figures, kept up to date as events are written, so that
-- `pomichnyk stats` reads a few thousand rows however many events and residents there are.
-- Triggers keep them, so no way of writing an event (a turn, a backfill, a cascade when a
-- resident is forgotten) can leave a count behind. Counts are split into 8 shards by resident
-- (user_id % 8), so that replicas writing at once rarely wait for one row; the statistics add
-- the shards up.

-- Each (lesson step, resident) reached, once: the funnels count distinct residents per step
-- over all time. It was written when events were folded; now it is written with the event.
-- It is the resident's, and goes with them (/delete_me).
ALTER TABLE fold_steps RENAME TO steps_reached;
ALTER INDEX fold_steps_pkey RENAME TO steps_reached_pkey;
ALTER INDEX fold_steps_by_user RENAME TO steps_reached_by_user;
ALTER TABLE steps_reached RENAME CONSTRAINT fold_steps_user_id_fkey TO steps_reached_user_id_fkey;

-- Steps reached in events not folded yet.
INSERT INTO steps_reached (dialogue, step, user_id, first_day)
SELECT dialogue, step, user_id, min(at) / 86400 FROM events
WHERE kind = 'step_reached' AND dialogue IS NOT NULL AND step IS NOT NULL
  AND user_id IN (SELECT user_id FROM residents)
GROUP BY dialogue, step, user_id
ON CONFLICT (dialogue, step, user_id) DO NOTHING;

-- How many residents reached each step.
CREATE TABLE step_counts (
    dialogue TEXT   NOT NULL,
    step     TEXT   NOT NULL,
    shard    BIGINT NOT NULL,
    reached  BIGINT NOT NULL,
    PRIMARY KEY (dialogue, step, shard)
);
INSERT INTO step_counts (dialogue, step, shard, reached)
SELECT dialogue, step, user_id % 8, count(*) FROM steps_reached
GROUP BY dialogue, step, user_id % 8;

CREATE FUNCTION events_reach_steps() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO steps_reached (dialogue, step, user_id, first_day)
    VALUES (NEW.dialogue, NEW.step, NEW.user_id, NEW.at / 86400)
    ON CONFLICT (dialogue, step, user_id) DO NOTHING;
    RETURN NULL;
END $$;
CREATE TRIGGER events_reach_steps AFTER INSERT ON events FOR EACH ROW
WHEN (NEW.kind = 'step_reached' AND NEW.dialogue IS NOT NULL AND NEW.step IS NOT NULL
      AND NEW.user_id IS NOT NULL)
EXECUTE FUNCTION events_reach_steps();

CREATE FUNCTION steps_reached_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO step_counts (dialogue, step, shard, reached)
        VALUES (NEW.dialogue, NEW.step, NEW.user_id % 8, 1)
        ON CONFLICT (dialogue, step, shard) DO UPDATE SET reached = step_counts.reached + 1;
    ELSE
        UPDATE step_counts SET reached = reached - 1
        WHERE dialogue = OLD.dialogue AND step = OLD.step AND shard = OLD.user_id % 8;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER steps_reached_count AFTER INSERT OR DELETE ON steps_reached FOR EACH ROW
EXECUTE FUNCTION steps_reached_count();

-- Quiz answers counted per UTC day and question ('' for none), as the quiz figures count
-- them; no resident's id. They were counted when events were folded; now as they are written.
CREATE TABLE quiz_counts (
    day               BIGINT NOT NULL,
    dialogue          TEXT   NOT NULL,
    step              TEXT   NOT NULL,
    shard             BIGINT NOT NULL,
    answers           BIGINT NOT NULL,
    first_try         BIGINT NOT NULL,
    first_try_correct BIGINT NOT NULL,
    first_try_wrong   BIGINT NOT NULL,
    PRIMARY KEY (day, dialogue, step, shard)
);
INSERT INTO quiz_counts
    (day, dialogue, step, shard, answers, first_try, first_try_correct, first_try_wrong)
SELECT day, dialogue, step, 0, answers, first_try, first_try_correct, first_try_wrong
FROM fold_quizzes;
DROP TABLE fold_quizzes;

-- A JSON boolean or 0/1 as 0/1, NULL when absent (as `Dialect::json_flag` reads it).
CREATE FUNCTION json_flag(data TEXT, field TEXT) RETURNS BIGINT LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE (data::jsonb ->> field) WHEN 'true' THEN 1 WHEN '1' THEN 1
                                        WHEN 'false' THEN 0 WHEN '0' THEN 0 END
$$;
INSERT INTO quiz_counts
    (day, dialogue, step, shard, answers, first_try, first_try_correct, first_try_wrong)
SELECT at / 86400, coalesce(dialogue, ''), coalesce(step, ''), coalesce(user_id, 0) % 8,
       count(*),
       count(CASE WHEN json_flag(data, 'first_try') = 1 THEN 1 END),
       count(CASE WHEN json_flag(data, 'first_try') = 1
                   AND json_flag(data, 'correct') = 1 THEN 1 END),
       count(CASE WHEN json_flag(data, 'first_try') = 1
                   AND json_flag(data, 'correct') = 0 THEN 1 END)
FROM events WHERE kind = 'quiz_answered'
GROUP BY 1, 2, 3, 4
ON CONFLICT (day, dialogue, step, shard) DO UPDATE SET
    answers = quiz_counts.answers + excluded.answers,
    first_try = quiz_counts.first_try + excluded.first_try,
    first_try_correct = quiz_counts.first_try_correct + excluded.first_try_correct,
    first_try_wrong = quiz_counts.first_try_wrong + excluded.first_try_wrong;

CREATE FUNCTION events_count_quizzes() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    f BIGINT := json_flag(NEW.data, 'first_try');
    c BIGINT := json_flag(NEW.data, 'correct');
BEGIN
    INSERT INTO quiz_counts
        (day, dialogue, step, shard, answers, first_try, first_try_correct, first_try_wrong)
    VALUES (NEW.at / 86400, coalesce(NEW.dialogue, ''), coalesce(NEW.step, ''),
            coalesce(NEW.user_id, 0) % 8, 1,
            CASE WHEN f = 1 THEN 1 ELSE 0 END,
            CASE WHEN f = 1 AND c = 1 THEN 1 ELSE 0 END,
            CASE WHEN f = 1 AND c = 0 THEN 1 ELSE 0 END)
    ON CONFLICT (day, dialogue, step, shard) DO UPDATE SET
        answers = quiz_counts.answers + 1,
        first_try = quiz_counts.first_try + excluded.first_try,
        first_try_correct = quiz_counts.first_try_correct + excluded.first_try_correct,
        first_try_wrong = quiz_counts.first_try_wrong + excluded.first_try_wrong;
    RETURN NULL;
END $$;
CREATE TRIGGER events_count_quizzes AFTER INSERT ON events FOR EACH ROW
WHEN (NEW.kind = 'quiz_answered')
EXECUTE FUNCTION events_count_quizzes();
