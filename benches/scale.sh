#!/usr/bin/env bash
# A database at national size: $RESIDENTS residents (1,000,000) and $EVENTS events (50,000,000)
# spread over the last $DAYS days (730), generated in SQL (SQLite: one recursive query in one
# transaction, the events' indexes built after; PostgreSQL: generate_series, foreign keys off
# while loading, then VACUUM ANALYZE), then measured:
#   - `pomichnyk stats` on the raw events (all 50,000,000; skip with RAW_STATS=0),
#   - `pomichnyk fold` (events older than database.fold_after_days, 90) and its time,
#   - `pomichnyk stats` after the fold (goal: under 10 s), first with the kernel's page cache
#     emptied when run as root (COLD=0 skips that), then again,
#   - `/delete_me` of residents: `Store::forget` through `benches/scale.rs` (goal: under 100 ms),
#   - the turn's latency at $RATE updates a second (1,000; the load generator's open loop, as
#     benches/peers.sh runs it) on the big database and on an empty one (goal: p99 within 20 %).
#
#   benches/scale.sh                              # SQLite, in ${TMPDIR:-/tmp}/pomichnyk-scale
#   BACKEND=postgres PG_SERVER=postgres://postgres@127.0.0.1:54329 benches/scale.sh
#   RESIDENTS=100000 EVENTS=5000000 benches/scale.sh   # smaller
#   KEEP=1 benches/scale.sh                       # keep the generated database
#   FORGET=0 LOAD=0 RAW_STATS=0 benches/scale.sh  # only generate, fold and time the report
#
# Disk: about 13 GB for SQLite, 16 GB for PostgreSQL at full size, freed at the end (unless
# KEEP=1). Needs sqlite3 or psql. Not part of `cargo test`.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BACKEND=${BACKEND:-sqlite}
RESIDENTS=${RESIDENTS:-1000000}
EVENTS=${EVENTS:-50000000}
DAYS=${DAYS:-730}
RATE=${RATE:-1000}
USERS=${USERS:-10000}
RUN_SECONDS=${RUN_SECONDS:-20}
RAW_STATS=${RAW_STATS:-1}
WORK=${SCALE_DIR:-${TMPDIR:-/tmp}/pomichnyk-scale}
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:54329}
# Generated residents' ids; the load generator's residents (5,000,000 + i) are others, new.
BASE=10000000
NOW=$(date +%s)
SPAN=$((DAYS * 86400))
START=$((NOW - SPAN))

mkdir -p "$WORK"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    (cd "$ROOT" && cargo build --release --locked --bin pomichnyk --bin loadgen)
fi
POMICHNYK=$TARGET/release/pomichnyk

url_of() { # name
    case $BACKEND in
        sqlite) echo "sqlite://$WORK/$1.db" ;;
        postgres) echo "$PG_SERVER/$1" ;;
        *) echo "scale.sh: BACKEND is sqlite or postgres" >&2; exit 2 ;;
    esac
}
drop_db() { # name
    case $BACKEND in
        sqlite) rm -f "$WORK/$1.db" "$WORK/$1.db-wal" "$WORK/$1.db-shm" ;;
        postgres) psql -q "$PG_SERVER/postgres" -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" ;;
    esac
}
fresh_db() { # name: an empty, migrated database
    drop_db "$1"
    [ "$BACKEND" = postgres ] && psql -q "$PG_SERVER/postgres" -c "CREATE DATABASE $1"
    POMICHNYK__DATABASE__URL=$(url_of "$1") "$POMICHNYK" fold >/dev/null
}
timed() { # label command…: runs it, prints the wall time
    local t0 ms
    t0=$(date +%s%N)
    "${@:2}"
    ms=$((($(date +%s%N) - t0) / 1000000))
    printf 'scale: %s: %d.%03d s\n' "$1" $((ms / 1000)) $((ms % 1000)) >&2
}
cleanup() {
    [ "${KEEP:-0}" = 1 ] || { drop_db scale; drop_db empty; }
}
trap cleanup EXIT

# What the bot's triggers would have written for the generated events, in one pass each (the
# same statements as the migration 20261206000000_counts, which counts a database's existing
# events): the steps each resident reached, how many reached each step, and the quiz answers per
# day and question. $1 is the dialect's JSON flag of `data`'s field $2.
counts_sql() { # json_flag_template
    local f=${1//FIELD/first_try} c=${1//FIELD/correct}
    cat <<SQL
INSERT INTO steps_reached (dialogue, step, user_id, first_day)
SELECT dialogue, step, user_id, min(at) / 86400 FROM events
WHERE kind = 'step_reached' AND dialogue IS NOT NULL AND step IS NOT NULL AND user_id IS NOT NULL
GROUP BY dialogue, step, user_id;
INSERT INTO step_counts (dialogue, step, shard, reached)
SELECT dialogue, step, user_id % 8, count(*) FROM steps_reached GROUP BY dialogue, step, user_id % 8;
INSERT INTO quiz_counts
    (day, dialogue, step, shard, answers, first_try, first_try_correct, first_try_wrong)
SELECT at / 86400, coalesce(dialogue, ''), coalesce(step, ''), coalesce(user_id, 0) % 8, count(*),
       count(CASE WHEN $f = 1 THEN 1 END),
       count(CASE WHEN $f = 1 AND $c = 1 THEN 1 END),
       count(CASE WHEN $f = 1 AND $c = 0 THEN 1 END)
FROM events WHERE kind = 'quiz_answered'
GROUP BY 1, 2, 3, 4;
SQL
}

sqlite_generate() {
    # The triggers are set aside while the events are loaded, and their tables filled after.
    sqlite3 "$WORK/scale.db" "SELECT sql || ';' FROM sqlite_master WHERE type = 'trigger'" \
        >"$WORK/triggers.sql"
    sqlite3 "$WORK/scale.db" <<SQL
PRAGMA synchronous = OFF;
PRAGMA cache_size = -1000000;
$(sed -n 's/^CREATE TRIGGER \([a-z_]*\) .*/DROP TRIGGER \1;/p' "$WORK/triggers.sql")
DROP INDEX events_by_kind;
DROP INDEX events_by_user;
DROP INDEX events_by_at;
BEGIN;
INSERT INTO residents (user_id, lang, first_seen, last_seen, blocked, referring_hub)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $RESIDENTS - 1)
SELECT $BASE + i, CASE WHEN i % 5 = 0 THEN 'en' ELSE 'uk' END,
       $START + i * $SPAN / $RESIDENTS,
       min($NOW, $START + i * $SPAN / $RESIDENTS + (i % 120) * 86400),
       CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END,
       CASE WHEN i % 3 = 0 THEN 'hub_' || (i % 300) END
FROM n;
INSERT INTO dialogue_state (user_id, state, updated_at, turn)
SELECT user_id, '{}', last_seen, 0 FROM residents WHERE user_id >= $BASE;
INSERT INTO lesson_progress (user_id, lesson, started_at, completed_at, correct, answered)
SELECT user_id, 'lesson_' || (user_id % 12), first_seen,
       CASE WHEN user_id % 3 = 0 THEN first_seen + 900 END, 3, 4
FROM residents WHERE user_id >= $BASE;
INSERT INTO questions (key, asked_at, lang, text, verdict, entry)
SELECT 'k' || user_id, last_seen, 'uk', 'як змінити пароль ' || (user_id % 500),
       CASE user_id % 3 WHEN 0 THEN 'answered' WHEN 1 THEN 'choices' ELSE 'nothing' END,
       CASE WHEN user_id % 3 = 0 THEN 'faq_' || (user_id % 40) END
FROM residents WHERE user_id >= $BASE AND user_id % 2 = 0;
COMMIT;
BEGIN;
INSERT INTO events (id, user_id, at, kind, dialogue, step, data)
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < $EVENTS - 1),
e AS (SELECT i, i % 20 AS k, 'lesson_' || ((i / 20) % 12) AS d, 's' || ((i / 3) % 10) AS s,
             abs(random()) % $RESIDENTS AS u FROM n)
SELECT i + 1, $BASE + u, $START + i * $SPAN / $EVENTS,
       CASE WHEN k = 0 THEN 'lesson_started' WHEN k = 1 THEN 'lesson_completed'
            WHEN k < 7 THEN 'quiz_answered' ELSE 'step_reached' END,
       d, CASE WHEN k < 2 THEN NULL ELSE s END,
       CASE WHEN k = 0 THEN '{"kind":"lesson_started","lesson":"' || d || '"}'
            WHEN k = 1 THEN '{"kind":"lesson_completed","lesson":"' || d || '","correct":3,"total":4}'
            WHEN k < 7 THEN '{"kind":"quiz_answered","dialogue":"' || d || '","step":"' || s
                 || '","option":' || (i % 4) || ',"correct":'
                 || CASE WHEN i % 3 = 0 THEN 'false' ELSE 'true' END || ',"first_try":'
                 || CASE WHEN i % 4 = 0 THEN 'false' ELSE 'true' END || '}'
            ELSE '{"kind":"step_reached","dialogue":"' || d || '","step":"' || s || '"}' END
FROM e;
COMMIT;
CREATE INDEX events_by_kind ON events (kind, dialogue, step, user_id);
CREATE INDEX events_by_user ON events (user_id, at);
CREATE INDEX events_by_at ON events (at, user_id, kind);
BEGIN;
$(counts_sql "CAST(json_extract(data, '\$.FIELD') AS BIGINT)")
COMMIT;
$(cat "$WORK/triggers.sql")
SQL
}

postgres_generate() {
    psql -q -v ON_ERROR_STOP=1 "$(url_of scale)" <<SQL
SET session_replication_role = replica;
SET maintenance_work_mem = '512MB';
DROP INDEX events_by_kind, events_by_user, events_by_at;
BEGIN;
INSERT INTO residents (user_id, lang, first_seen, last_seen, blocked, referring_hub)
SELECT $BASE + i, CASE WHEN i % 5 = 0 THEN 'en' ELSE 'uk' END,
       $START + i * $SPAN / $RESIDENTS,
       least($NOW, $START + i * $SPAN / $RESIDENTS + (i % 120) * 86400),
       CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END,
       CASE WHEN i % 3 = 0 THEN 'hub_' || (i % 300) END
FROM generate_series(0::bigint, $RESIDENTS - 1) AS i;
INSERT INTO dialogue_state (user_id, state, updated_at, turn)
SELECT user_id, '{}', last_seen, 0 FROM residents WHERE user_id >= $BASE;
INSERT INTO lesson_progress (user_id, lesson, started_at, completed_at, correct, answered)
SELECT user_id, 'lesson_' || (user_id % 12), first_seen,
       CASE WHEN user_id % 3 = 0 THEN first_seen + 900 END, 3, 4
FROM residents WHERE user_id >= $BASE;
INSERT INTO questions (key, asked_at, lang, text, verdict, entry)
SELECT 'k' || user_id, last_seen, 'uk', 'як змінити пароль ' || (user_id % 500),
       CASE user_id % 3 WHEN 0 THEN 'answered' WHEN 1 THEN 'choices' ELSE 'nothing' END,
       CASE WHEN user_id % 3 = 0 THEN 'faq_' || (user_id % 40) END
FROM residents WHERE user_id >= $BASE AND user_id % 2 = 0;
COMMIT;
INSERT INTO events (id, user_id, at, kind, dialogue, step, data)
SELECT i + 1, $BASE + u, $START + i * $SPAN / $EVENTS,
       CASE WHEN k = 0 THEN 'lesson_started' WHEN k = 1 THEN 'lesson_completed'
            WHEN k < 7 THEN 'quiz_answered' ELSE 'step_reached' END,
       d, CASE WHEN k < 2 THEN NULL ELSE s END,
       CASE WHEN k = 0 THEN '{"kind":"lesson_started","lesson":"' || d || '"}'
            WHEN k = 1 THEN '{"kind":"lesson_completed","lesson":"' || d || '","correct":3,"total":4}'
            WHEN k < 7 THEN '{"kind":"quiz_answered","dialogue":"' || d || '","step":"' || s
                 || '","option":' || (i % 4) || ',"correct":'
                 || CASE WHEN i % 3 = 0 THEN 'false' ELSE 'true' END || ',"first_try":'
                 || CASE WHEN i % 4 = 0 THEN 'false' ELSE 'true' END || '}'
            ELSE '{"kind":"step_reached","dialogue":"' || d || '","step":"' || s || '"}' END
FROM (SELECT i, i % 20 AS k, 'lesson_' || ((i / 20) % 12) AS d, 's' || ((i / 3) % 10) AS s,
             floor(random() * $RESIDENTS)::bigint AS u
      FROM generate_series(0::bigint, $EVENTS - 1) AS i) AS e;
SELECT setval(pg_get_serial_sequence('events', 'id'), $EVENTS);
CREATE INDEX events_by_kind ON events (kind, dialogue, step, user_id);
CREATE INDEX events_by_user ON events (user_id, at);
CREATE INDEX events_by_at ON events (at, user_id, kind);
$(counts_sql "json_flag(data, 'FIELD')")
VACUUM ANALYZE;
SQL
}

stats() { # label file
    if [ "${COLD:-1}" = 1 ] && sync && echo 3 2>/dev/null >/proc/sys/vm/drop_caches; then
        # The kernel's page cache emptied (as root), so the report reads the disk, as it
        # would the first time after a reboot.
        (cd "$ROOT" && timed "$1, cold cache" env POMICHNYK__DATABASE__URL="$(url_of scale)" \
            "$POMICHNYK" stats --format json >"$WORK/$2.json")
    fi
    (cd "$ROOT" && timed "$1" env POMICHNYK__DATABASE__URL="$(url_of scale)" \
        "$POMICHNYK" stats --format json >"$WORK/$2.json")
}

sql() { # database name, statement
    case $BACKEND in
        sqlite) sqlite3 "$WORK/$1.db" "PRAGMA foreign_keys = ON; $2" ;;
        postgres) psql -qAt "$(url_of "$1")" -c "$2" ;;
    esac
}

load() { # database name → one JSON line of the load generator
    # The load generator numbers updates from 1 and its residents from 5,000,000 on each run: a
    # database that saw a run before would take them as handled already.
    sql "$1" "DELETE FROM handled_updates; DELETE FROM residents WHERE user_id < $BASE;"
    (cd "$ROOT" && env POMICHNYK__DATABASE__URL="$(url_of "$1")" \
        POMICHNYK__TELEGRAM__PACE_BURST=100000 POMICHNYK__TELEGRAM__FLOOD_BURST=100000 \
        POMICHNYK__TELEGRAM__PRESS_BURST=100000 RUST_LOG=warn \
        "$TARGET/release/loadgen" --users "$USERS" --seconds "$RUN_SECONDS" --warmup 3 \
        --rate "$RATE" --bot-cmd "$POMICHNYK run")
}

echo "scale: $BACKEND, $RESIDENTS residents, $EVENTS events over $DAYS days, in $WORK" >&2
df -h "$WORK" >&2
fresh_db scale
timed generate "${BACKEND}_generate"
case $BACKEND in
    sqlite) du -h "$WORK/scale.db" >&2 ;;
    postgres) psql -At "$(url_of scale)" -c "SELECT 'database size: ' || pg_size_pretty(pg_database_size(current_database()))" >&2 ;;
esac
[ "$RAW_STATS" = 1 ] && stats "pomichnyk stats, all $EVENTS events raw" raw
(cd "$ROOT" && timed "pomichnyk fold" env POMICHNYK__DATABASE__URL="$(url_of scale)" "$POMICHNYK" fold) >&2
stats "pomichnyk stats, after the fold" folded
sql scale "SELECT 'events left: ' || count(*) FROM events" >&2
if [ "$RAW_STATS" = 1 ]; then
    # The figures folding touches (the windowed ones moved with the clock between the runs).
    python3 - "$WORK/raw.json" "$WORK/folded.json" <<'EOF'
import json, sys
a, b = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
for key in ("lessons", "quizzes", "confusing", "weekly"):
    print(f"scale: {key}: {'the same' if a[key] == b[key] else 'DIFFERENT'} after the fold", file=sys.stderr)
EOF
fi
[ "${FORGET:-1}" = 1 ] && (cd "$ROOT" && SCALE_URL=$(url_of scale) \
    SCALE_USERS=$((BASE + 1)),$((BASE + RESIDENTS / 3)),$((BASE + RESIDENTS / 2)),$((BASE + RESIDENTS - 7)),$((BASE + RESIDENTS - 2)) \
    cargo bench --locked --bench scale) >&2
if [ "${LOAD:-1}" = 1 ]; then
    echo "scale: load on the big database: $(load scale)" >&2
    fresh_db empty
    echo "scale: load on an empty database: $(load empty)" >&2
fi
