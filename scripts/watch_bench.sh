#!/usr/bin/env bash
# The profile watcher's figures (docs/profiles-over-time.md; reported in docs/performance.md):
#   1. one live slice of APPS (1000) apps × 2 types, against the stub Pyroscope with 20 ms of
#      latency, on 1, 2 and 3 replicas sharing one database (goals: < 10 s on one, < 6 s on two);
#   2. the start-up backfill of 24 h for 40 apps × 2 types from a 0 ms stub (goal: < 60 s);
#   3. bytes per stored summary of 100 functions, indexes included (goal: ≤ 8 KB);
#   4. `GET /trends/{app}` of 24 h × 10 functions under 16 concurrent clients (goal: p99 < 50 ms),
#      as a dashboard asks it (the same URL, answers reused for 10 s), and (5.) every request a
#      different window, so that each one reads the store.
#
# Needs python3, wrk, psql and a PostgreSQL server: DATABASE_ADMIN_URL (default
# postgres://postgres@127.0.0.1:5432/postgres). Env: APPS (1000), NODES (2000: the stub's
# flame graph, enough distinct functions for 100 to be kept), PARTS ("1 2 3 4": which of the
# figures above; 3 and 4 read what 2 stored). Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

APPS=${APPS:-1000}
NODES=${NODES:-2000}
PARTS=${PARTS:-1 2 3 4 5}
ADMIN_URL=${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_NAME=pf_watch_bench
DB_URL="${ADMIN_URL%/*}/$DB_NAME"
STUB_PORT=18699
APP_PORT=18690

source scripts/bench-common.sh
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null

sql() { psql -qtAX "$DB_URL" -c "$1"; }
now_ms() { date +%s%3N; }

# Starts the stub with $1 apps and $2 ms of latency.
stub() {
    APPS=$1 NODES=$NODES LATENCY_MS=$2 python3 scripts/stub_pyroscope.py $STUB_PORT 2>/dev/null &
    pids+=($!)
    sleep 0.5
}

# Starts replica $1 of the watcher (port APP_PORT + $1) with extra `env` arguments after it.
replica() {
    local port=$((APP_PORT + $1))
    shift
    env DATABASE_URL="$DB_URL" PORT=$port PYROSCOPE_URL=http://127.0.0.1:$STUB_PORT \
        APP__PYROSCOPE__CACHE_TTL_SECS=0 RUST_LOG=warn "$@" \
        target/release/pyroscope-functions >/dev/null 2>&1 &
    pids+=($!)
    wait_ready "http://127.0.0.1:$port"
}

stop_all() { cleanup; pids=(); }

# Waits until a live slice has more than 150 s left before the next one is due (the watcher
# reads a slice 60 s after it ends), so one measured slice is not joined by the next.
steady() {
    while (( ($(date +%s) - 60) % 300 > 150 )); do sleep 1; done
}

part() { [[ " $PARTS " == *" $1 "* ]]; }

part 1 && echo "== 1. one live slice of $APPS apps × 2 types, stub latency 20 ms"
for replicas in $(part 1 && echo 1 2 3); do
    fresh_db
    stub "$APPS" 20
    steady
    for r in $(seq 1 "$replicas"); do
        replica "$r" APP__WATCH__BACKFILL_HOURS=0
    done
    series=$((APPS * 2))
    until [ "$(sql 'select count(*) from watch_series')" = "$series" ]; do sleep 0.05; done
    start=$(now_ms)
    due=$(sql 'select min(next_slice) from watch_series')
    until [ "$(sql "select count(*) from watch_series where next_slice <= $due")" = 0 ]; do
        sleep 0.05
    done
    took=$(($(now_ms) - start))
    rows=$(sql "select count(*) from profile_summary where slice_start = $due")
    echo "replicas=$replicas: $series series summarized in $took ms ($rows summaries)," \
        "$(echo "scale=0; $series * 1000 / $took" | bc) series/s"
    stop_all
done

part 2 || exit 0
echo "== 2. start-up backfill of 24 h for 40 apps × 2 types, stub latency 0 ms"
fresh_db
stub 40 0
start=$(now_ms)
replica 1 APP__WATCH__BACKFILL_HOURS=24
BASE=http://127.0.0.1:$((APP_PORT + 1))
until curl -sf "$BASE/trends/backfill" | python3 -c '
import json, sys
c = json.load(sys.stdin)
sys.exit(0 if c["pending"] == 0 and c["done"] > 0 else 1)'; do sleep 0.2; done
took=$(($(now_ms) - start))
echo "backfill: $(curl -sf "$BASE/trends/backfill") in $took ms"

part 3 && echo "== 3. bytes per summary"
part 3 && sql "select count(*) || ' summaries, ' || round(avg(json_array_length(functions::json))) || ' functions each, '
     || (select sum(pg_total_relation_size(inhrelid)) from pg_inherits
         where inhparent = 'profile_summary'::regclass) / count(*) || ' bytes each with indexes'
     from profile_summary"

part 4 && echo "== 4. /trends of 24 h × 10 functions, 16 concurrent clients" && curl -sf "$BASE/trends/app-000?limit=10" | python3 -c '
import json, sys
t = json.load(sys.stdin)
print(len(t["slices"]), "slices,", len(t["series"]), "functions")'
part 4 && wrk -t2 -c16 -d10s --latency "$BASE/trends/app-000?limit=10" | grep -E 'Requests/sec|50%|90%|99%'
if part 5; then
    echo "== 5. /trends of 24 h × 10 functions, 16 concurrent clients, no two alike"
    lua=target/watch_bench_trends.lua
    mkdir -p target
    # Each request another app (of 40) and a window ending one second later than the last.
    cat >"$lua" <<LUA
n = 0
request = function()
    n = n + 1
    local path = string.format("/trends/app-%03d?limit=10&to=%d", n % 40, $(date +%s) + n)
    return wrk.format("GET", path)
end
LUA
    wrk -t2 -c16 -d10s --latency -s "$lua" "$BASE" | grep -E 'Requests/sec|50%|90%|99%'
fi
[ -n "${KEEP:-}" ] && { echo "kept running at $BASE; Enter stops it"; read -r; }
stop_all
drop_db
