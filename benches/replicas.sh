#!/usr/bin/env bash
# Pomichnyk as 1, 2 and 3 replicas behind the webhook on one PostgreSQL database, measured by the
# load generator playing Telegram (`loadgen --webhook --replicas N`): it serves the Bot API for
# every replica, posts each update to one of them (a resident's next update to the next replica,
# on purpose), and posts an update not answered 200 again elsewhere. Runs take turns
# (1 2 3 1 2 3 …) so that whatever else the machine does weighs on all alike; each run gets a
# fresh database. Each round runs a closed loop ($USERS residents tapping as soon as answered)
# and an open loop ($RATE updates a second), then the summary gives each run's figures and, per
# round and mode, the ratio of N replicas to one.
#
#   PG_URL=postgres://postgres@127.0.0.1:54329/postgres benches/replicas.sh
#   PG_URL=… ROUNDS=3 RUN_SECONDS=30 REPLICAS="1 3" MODES=closed benches/replicas.sh
#   PG_URL=… CONNECTIONS=100 benches/replicas.sh   # webhook.max_connections and Telegram alike
#
# PG_URL is a server the script may create and drop databases on (bench_replicas_*). Reply
# pacing and flood control are lifted, as in benches/peers.sh, so that the replicas' own capacity
# is measured. Needs python3 (the summary). Not part of `cargo test`.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
PG_URL=${PG_URL:?set PG_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres}
USERS=${USERS:-2000}
RATE=${RATE:-300}
RUN_SECONDS=${RUN_SECONDS:-20}
WARMUP=${WARMUP:-3}
ROUNDS=${ROUNDS:-2}
REPLICAS=${REPLICAS:-1 2 3}
MODES=${MODES:-closed open}
# Webhook requests open at once over all replicas: what the bot asks of Telegram
# (webhook.max_connections) and what the load generator keeps to, as Telegram does.
CONNECTIONS=${CONNECTIONS:-40}
WORK=${TMPDIR:-/tmp}

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    (cd "$ROOT" && cargo build --release --locked --bin pomichnyk --bin loadgen)
fi
command -v psql >/dev/null || { echo "replicas.sh: needs psql" >&2; exit 2; }

RESULTS=$(mktemp "$WORK/replicas-results.XXXXXX")
echo "replicas.sh: $ROUNDS round(s) of: $REPLICAS replica(s) × $MODES; $USERS residents," \
     "${RUN_SECONDS} s a run (+${WARMUP} s warm-up); open loop at $RATE/s; lines in $RESULTS" >&2

base=${PG_URL%%\?*}
root=${base%/*}
run_one() { # round replicas mode
    local round=$1 n=$2 mode=$3 db out
    local -a rate_args=()
    db="bench_replicas_$$_${round}_${n}_${mode}"
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    [ "$mode" = open ] && rate_args=(--rate "$RATE")
    out=$(cd "$ROOT" && env POMICHNYK__DATABASE__URL="$root/$db" \
        POMICHNYK__TELEGRAM__MODE=webhook \
        POMICHNYK__WEBHOOK__PUBLIC_URL=https://bot.example.org/hook \
        POMICHNYK__WEBHOOK__SECRET=loadgen-webhook-secret \
        POMICHNYK__DIALOGUES__WATCH=false POMICHNYK__WEBHOOK__MAX_CONNECTIONS="$CONNECTIONS" \
        POMICHNYK__TELEGRAM__PACE_BURST=100000 POMICHNYK__TELEGRAM__FLOOD_BURST=100000 \
        POMICHNYK__TELEGRAM__PRESS_BURST=100000 RUST_LOG=warn \
        "$TARGET/release/loadgen" --webhook --replicas "$n" --users "$USERS" \
        --seconds "$RUN_SECONDS" --warmup "$WARMUP" --connections "$CONNECTIONS" "${rate_args[@]}" \
        --bot-cmd "env POMICHNYK__WEBHOOK__LISTEN=127.0.0.1:{port} $TARGET/release/pomichnyk run")
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null
    echo "$round $n $mode $out" >>"$RESULTS"
    echo "round $round  $n replica(s)  $mode: $out" >&2
}

for round in $(seq 1 "$ROUNDS"); do
    for mode in $MODES; do
        for n in $REPLICAS; do
            run_one "$round" "$n" "$mode"
        done
    done
done

python3 - "$RESULTS" <<'EOF'
import json, sys
runs = []
for line in open(sys.argv[1], encoding="utf-8"):
    rnd, n, mode, rest = line.split(" ", 3)
    runs.append((int(rnd), int(n), mode, json.loads(rest)))

print(f"{'round':>5} {'replicas':>8} {'mode':<6} {'updates/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
      f"{'timed out':>9} {'reposted':>8} {'dupl.':>5} {'order':>5} {'RSS MB (each)':>16}")
for rnd, n, mode, r in runs:
    w = r.get("webhook", {})
    rss = "/".join(f"{m:.0f}" for m in w.get("replica_peak_rss_mb", []) if m is not None)
    print(f"{rnd:>5} {n:>8} {mode:<6} {r['updates_per_sec']:>9.1f} {r['latency_ms']['p50']:>8.2f} "
          f"{r['latency_ms']['p99']:>8.2f} {r['errors']:>9} {w.get('reposted', '?'):>8} "
          f"{r['duplicates']:>5} {r['order_violations']:>5} {rss:>16}")

def ratio(a, b):
    return f"{a / b:.2f}" if b else "∞"

print("\nN replicas : 1 replica, per round (updates/s higher is better; p99 lower is better)")
by = {(rnd, n, mode): r for rnd, n, mode, r in runs}
for rnd, n, mode, r in runs:
    one = by.get((rnd, 1, mode))
    if n == 1 or one is None:
        continue
    print(f"  round {rnd} {mode:<6} {n} : 1  updates/s {ratio(r['updates_per_sec'], one['updates_per_sec'])}, "
          f"p99 {ratio(r['latency_ms']['p99'], one['latency_ms']['p99'])}")
EOF
