#!/usr/bin/env bash
# Pomichnyk beside two peer bots that do a lesson quiz (the peers folder: one on aiogram, one on
# plain teloxide), measured by the same load generator on the same machine, taking turns
# (A B C A B C …) so that whatever else the machine is doing weighs on all three alike. Each round
# runs every bot in a closed loop ($USERS residents, each tapping again as soon as answered) and
# then in an open loop ($RATE updates a second). It prints each run's figures and, per round and
# mode, the ratios Pomichnyk : peer.
#
#   benches/peers.sh                                   # 2 rounds, 10,000 residents, 20 s a run
#   PEERS_DIR=/path/to/peers ROUNDS=3 RUN_SECONDS=30 benches/peers.sh
#   BOTS="pomichnyk teloxide" MODES=closed benches/peers.sh
#
# Pomichnyk's reply pacing and flood control (Telegram-shaped limits) are lifted through its
# settings, so that its own capacity is measured; each run gets a fresh database. The peers are
# built outside the project's tree, under ${TMPDIR:-/tmp}, as the peers' README says. Needs
# python3 (the aiogram peer, and the summary). Not part of `cargo test`.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS_DIR=${PEERS_DIR:-$ROOT/../shared/peers}
WORK=${TMPDIR:-/tmp}
VENV=${PEERS_VENV:-$WORK/peers-venv}
PEER_TARGET=${PEERS_TARGET:-$WORK/peers-target}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
USERS=${USERS:-10000}
RATE=${RATE:-1000}
RUN_SECONDS=${RUN_SECONDS:-20}
WARMUP=${WARMUP:-3}
ROUNDS=${ROUNDS:-2}
BOTS=${BOTS:-pomichnyk teloxide aiogram}
MODES=${MODES:-closed open}

[ -f "$PEERS_DIR/aiogram_quiz.py" ] || {
    echo "peers.sh: no peer bots in $PEERS_DIR (set PEERS_DIR)" >&2
    exit 2
}
PEERS_DIR=$(cd "$PEERS_DIR" && pwd)

if [ "${SKIP_BUILD:-0}" != 1 ]; then
    (cd "$ROOT" && cargo build --release --locked --bin pomichnyk --bin loadgen)
fi
for bot in $BOTS; do
    case $bot in
        aiogram)
            if [ ! -x "$VENV/bin/python" ]; then
                python3 -m venv "$VENV"
                "$VENV/bin/pip" install -q -r "$PEERS_DIR/requirements.txt"
            fi ;;
        teloxide)
            if [ ! -x "$PEER_TARGET/release/teloxide_quiz" ]; then
                # From inside its folder: its .cargo/config.toml sets how SQLite is built.
                (cd "$PEERS_DIR/teloxide_quiz" && CARGO_TARGET_DIR=$PEER_TARGET cargo build --release --locked)
            fi ;;
        pomichnyk) ;;
        *) echo "peers.sh: unknown bot '$bot' (pomichnyk, teloxide, aiogram)" >&2; exit 2 ;;
    esac
done

RESULTS=$(mktemp "$WORK/peers-results.XXXXXX")
echo "peers.sh: $ROUNDS round(s) of: $BOTS × $MODES; $USERS residents, ${RUN_SECONDS} s a run" \
     "(+${WARMUP} s warm-up); open loop at $RATE/s; lines in $RESULTS" >&2

run_one() { # round bot mode
    local round=$1 bot=$2 mode=$3 dir cmd out
    local -a env_vars rate_args=()
    dir=$(mktemp -d "$WORK/peers-run.XXXXXX")
    case $bot in
        pomichnyk)
            cmd="$TARGET/release/pomichnyk run"
            env_vars=(POMICHNYK__DATABASE__URL="sqlite://$dir/load.db"
                POMICHNYK__TELEGRAM__PACE_BURST=100000 POMICHNYK__TELEGRAM__FLOOD_BURST=100000
                POMICHNYK__TELEGRAM__PRESS_BURST=100000 RUST_LOG=warn) ;;
        teloxide)
            cmd="$PEER_TARGET/release/teloxide_quiz"
            env_vars=(PEER_DB="$dir/peer.db" RUST_LOG=warn) ;;
        aiogram)
            cmd="$VENV/bin/python $PEERS_DIR/aiogram_quiz.py"
            env_vars=(PEER_DB="$dir/peer.db" PEER_LOG_LEVEL=WARNING) ;;
    esac
    [ "$mode" = open ] && rate_args=(--rate "$RATE")
    out=$(cd "$ROOT" && env "${env_vars[@]}" "$TARGET/release/loadgen" --users "$USERS" \
        --seconds "$RUN_SECONDS" --warmup "$WARMUP" "${rate_args[@]}" --bot-cmd "$cmd")
    rm -rf "$dir"
    echo "$round $bot $mode $out" >>"$RESULTS"
    echo "round $round  $bot  $mode: $out" >&2
}

for round in $(seq 1 "$ROUNDS"); do
    for mode in $MODES; do
        for bot in $BOTS; do
            run_one "$round" "$bot" "$mode"
        done
    done
done

python3 - "$RESULTS" <<'EOF'
import json, sys
runs = []
for line in open(sys.argv[1], encoding="utf-8"):
    rnd, bot, mode, rest = line.split(" ", 3)
    runs.append((int(rnd), bot, mode, json.loads(rest)))

def mb(r):
    v = r.get("bot_peak_rss_mb")
    return f"{v:.0f} MB" if v is not None else "?"

print(f"{'round':>5}  {'bot':<9} {'mode':<6} {'updates/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
      f"{'peak RSS':>9} {'timed out':>9} {'callbacks answered':>19} {'bad calls':>9}")
for rnd, bot, mode, r in runs:
    cb = r.get("callbacks", {})
    print(f"{rnd:>5}  {bot:<9} {mode:<6} {r['updates_per_sec']:>9.1f} {r['latency_ms']['p50']:>8.2f} "
          f"{r['latency_ms']['p99']:>8.2f} {mb(r):>9} {r['errors']:>9} "
          f"{str(cb.get('answered', '?')) + ' / ' + str(cb.get('sent', '?')):>19} {r.get('bad_requests', '?'):>9}")

def ratio(a, b):
    return f"{a / b:.2f}" if b else "∞"

print("\nPomichnyk : peer, per round (updates/s higher is better; p99 and RSS lower is better)")
by = {(rnd, bot, mode): r for rnd, bot, mode, r in runs}
for rnd, bot, mode, r in runs:
    if bot == "pomichnyk":
        continue
    p = by.get((rnd, "pomichnyk", mode))
    if p is None:
        continue
    print(f"  round {rnd} {mode:<6} vs {bot:<8}: updates/s {ratio(p['updates_per_sec'], r['updates_per_sec'])}, "
          f"p99 {ratio(p['latency_ms']['p99'], r['latency_ms']['p99'])}, "
          f"peak RSS {ratio(p.get('bot_peak_rss_mb') or 0, r.get('bot_peak_rss_mb') or 0)}")
EOF
