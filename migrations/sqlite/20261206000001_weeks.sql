-- The weekly series' weeks that have ended, worked out once (src/store/weeks.rs): distinct
-- residents and lesson completions of each, by the week's bounds in Unix seconds. Dropped when a
-- resident is forgotten (their events then count for none), which moves the generation on.
CREATE TABLE weekly_figures (
    week_start  INTEGER NOT NULL,
    week_end    INTEGER NOT NULL,
    active      INTEGER NOT NULL,
    completions INTEGER NOT NULL,
    PRIMARY KEY (week_start, week_end)
);
INSERT INTO meta (key, value) VALUES ('weeks_generation', 0) ON CONFLICT (key) DO NOTHING;
