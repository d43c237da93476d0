#!/usr/bin/env bash
# `GET /fleet/hotspots` from the watcher's summaries
# (docs/profiles-over-time.md#the-fleet-from-the-summaries; reported in docs/performance.md): APPS
# (10 000) apps × 2 types, SLICES (1: the last 5 minutes; 12: the last hour) summaries of 100
# functions each inserted directly into PostgreSQL (the watcher itself off), then hotspots of that
# window under 16 concurrent clients with wrk: p50/p99 (goal: p99 under 200 ms), once the same URL
# every time and once a different `limit` each time (no answer reused anywhere). Also prints the
# plan of the fleet read, to show it uses `profile_summary_fleet_idx`.
#
# Needs wrk, psql and a PostgreSQL server: DATABASE_ADMIN_URL (default
# postgres://postgres@127.0.0.1:5432/postgres). Env: APPS, SLICES, FUNCTIONS (100), DISTINCT
# (2000: how many distinct function names the fleet shares), CACHE_SECS (30: how long the service
# keeps a window's merged fleet, `fleet.summaries_cache_secs`; 0 merges for every answer, though
# answers asked during one read still share it), LIVE_APPS ("200 1000": afterwards, the live
# path's time for that many apps, `source=live` against the stub Pyroscope with 20 ms of
# latency, median of 3; "" skips it). Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

APPS=${APPS:-10000}
SLICES=${SLICES:-1}
FUNCTIONS=${FUNCTIONS:-100}
DISTINCT=${DISTINCT:-2000}
CACHE_SECS=${CACHE_SECS:-30}
LIVE_APPS=${LIVE_APPS-200 1000}
ADMIN_URL=${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_NAME=pf_fleet_bench
DB_URL="${ADMIN_URL%/*}/$DB_NAME"
STUB_PORT=18799
APP_PORT=18790
BASE=http://127.0.0.1:$APP_PORT

source scripts/bench-common.sh
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null

sql() { psql -qtAX "$DB_URL" -c "$1"; }

fresh_db
# Profile Data must be reachable for the service to start; the answers never ask it.
# The stub lists the same apps the summaries hold (a fleet answer from the summaries covers
# every app Profile Data lists in its window, docs/profiles-over-time.md#whole-or-live); their live
# profiles are small.
APPS=$APPS NAME_WIDTH=5 NODES=100 LATENCY_MS=0 python3 scripts/stub_pyroscope.py $STUB_PORT 2>/dev/null &
pids+=($!)
DATABASE_URL=$DB_URL PORT=$APP_PORT PYROSCOPE_URL=http://127.0.0.1:$STUB_PORT \
    APP__WATCH__ENABLED=false APP__PYROSCOPE__CACHE_TTL_SECS=0 RUST_LOG=warn \
    APP__FLEET__SUMMARIES_CACHE_SECS=$CACHE_SECS \
    target/release/pyroscope-functions >/dev/null 2>&1 &
pids+=($!)
wait_ready "$BASE"

NOW=$(date +%s)
# A slice is answered from the summaries once it is due (a minute after it ends): the window
# ends a whole slice before now.
TO=$((NOW - NOW % 300 - 300))
FROM=$((TO - SLICES * 300))
echo "== inserting $APPS apps × 2 types × $SLICES slices × $FUNCTIONS functions"
start=$(date +%s)
sql "select profile_summary_partition($FROM); select profile_summary_partition($TO - 1);"
# Each app keeps FUNCTIONS of DISTINCT shared names, ranked by self samples as the watcher
# ranks them; totals leave room for what was not kept.
sql "insert into profile_summary (app_name, profile_type, slice_start, slice_secs, total_samples, versions, functions)
     select format('app-%s', lpad(a::text, 5, '0')), t, s, 300, 100000, '{1.0}',
            (select json_agg(json_build_array(format('com/acme/pkg%s/Class%s.method', (a * 7 + i * 13) % $DISTINCT / 50, (a * 7 + i * 13) % $DISTINCT),
                                              2000 - i * 15 + (a + s / 300) % 7, 4000 - i * 10) order by i)::text
               from generate_series(0, $FUNCTIONS - 1) i)
     from generate_series(0, $APPS - 1) a cross join unnest(array['cpu', 'alloc']) t
          cross join generate_series($FROM, $TO - 1, 300) s"
# The watcher's record of its work: every series watched from the window's first slice, its
# live cursor past the last one (what a watcher that ran through the window leaves).
sql "insert into watch_series (app_name, profile_type, next_slice, watched_from)
     select format('app-%s', lpad(a::text, 5, '0')), t, $TO, $FROM
     from generate_series(0, $APPS - 1) a cross join unnest(array['cpu', 'alloc']) t"
sql "analyze profile_summary"
sql "analyze watch_series"
echo "inserted in $(( $(date +%s) - start )) s; $(sql "select pg_size_pretty(sum(pg_total_relation_size(inhrelid))) from pg_inherits where inhparent = 'profile_summary'::regclass")"

echo "== the fleet read's plan"
psql -qtAX "$DB_URL" -c "explain select app_name, slice_start, total_samples, versions, functions from profile_summary
    where profile_type = 'cpu' and slice_start >= $FROM and slice_start < $TO order by app_name, slice_start"

URL="$BASE/fleet/hotspots?type=cpu&from=$FROM&to=$TO&limit=20"
echo "== one request (the window's first: read and merged), then the same again"
curl -s -o /dev/null -w 'status %{http_code}, %{size_download} bytes, %{time_total} s\n' "$URL"
curl -s -o /dev/null -w 'status %{http_code}, %{size_download} bytes, %{time_total} s\n' "$URL"
curl -s "$URL" | python3 -c 'import json,sys; b=json.load(sys.stdin); print("source", b["source"], "apps", b["appsQueried"], "slices", len(b["slices"]), "maxErrorPercent", b["maxErrorPercent"])'

echo "== hotspots, 16 concurrent clients, the same URL"
wrk -t2 -c16 -d20s --latency "$URL" | grep -E 'Requests/sec|50%|90%|99%'

echo "== hotspots, 16 concurrent clients, a different limit each time"
lua=target/fleet_bench.lua
mkdir -p target
cat >"$lua" <<LUA
counter = 0
request = function()
    counter = counter + 1
    return wrk.format("GET", "/fleet/hotspots?type=cpu&from=$FROM&to=$TO&limit=" .. (counter % 1000 + 1))
end
LUA
wrk -t2 -c16 -d20s --latency -s "$lua" "$BASE" | grep -E 'Requests/sec|50%|90%|99%'

echo "== hotspots, 16 concurrent clients, the window moved by a different second each time"
# As a dashboard asks "the last hour" every few seconds: each window ends within the same slice.
cat >"$lua" <<LUA
counter = 0
request = function()
    counter = counter + 1
    local back = counter % 299
    return wrk.format("GET", "/fleet/hotspots?type=cpu&from=" .. ($FROM - back) .. "&to=" .. ($TO - back) .. "&limit=20")
end
LUA
wrk -t2 -c16 -d20s --latency -s "$lua" "$BASE" | grep -E 'Requests/sec|50%|90%|99%'
echo "service resident memory: $(ps -o rss= -p "${pids[1]}" | awk '{printf "%.0f MB", $1 / 1024}')"

# The live path beside it: one Pyroscope query per app, 16 at a time (fleet.concurrency).
for n in $LIVE_APPS; do
    kill "${pids[0]}" 2>/dev/null || true
    wait "${pids[0]}" 2>/dev/null || true
    APPS=$n NODES=2000 LATENCY_MS=20 python3 scripts/stub_pyroscope.py $STUB_PORT 2>/dev/null &
    pids[0]=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$STUB_PORT/__calls" >/dev/null && break; sleep 0.1; done
    live="$BASE/fleet/hotspots?type=cpu&from=$FROM&to=$TO&limit=20&source=live"
    times=$(for _ in 1 2 3; do curl -s -o /dev/null -w '%{time_total}\n' "$live"; done | sort -n)
    echo "== live, $n apps, 20 ms stub: $(echo "$times" | tr '\n' ' ')s (median $(echo "$times" | sed -n 2p) s)"
done
[ -n "${KEEP:-}" ] && { echo "kept running at $BASE; Enter stops it"; read -r; }
stop_all() { cleanup; pids=(); }
stop_all
drop_db
