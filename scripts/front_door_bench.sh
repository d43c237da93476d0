#!/usr/bin/env bash
# `GET /`, the front door (docs/front-door.md; reported in docs/performance.md): APPS (1 000) apps ×
# 2 types, the last hour's 12 summaries of 100 functions each, inserted directly into PostgreSQL
# (the watcher itself off), HISTORY_HOURS (23) hours before them with small summaries (so the read
# of the last hour skips a day's rows as it would in a running service), and OPEN (50) open
# regression events; and a profile directory (PROFILES_DIR) of the same APPS apps plus NEW_APPS
# (100) the watcher has not summarized, FILES (12) cpu and alloc profiles each, which the front door
# lists in one call per answer (docs/front-door.md#fast-at-a-thousand-apps); then the page and its
# JSON under 16 concurrent clients with wrk, after one first request: p50/p99 (goal: p99 under
# 100 ms). Also prints the plans of its two reads.
#
# Needs wrk, psql and a PostgreSQL server: DATABASE_ADMIN_URL (default
# postgres://postgres@127.0.0.1:5432/postgres). PROFILE=debug measures the debug build instead
# of the release one (slower: an upper bound). The service reads the bundled demo profiles;
# nothing it answers here asks them. Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

APPS=${APPS:-1000}
OPEN=${OPEN:-50}
HISTORY_HOURS=${HISTORY_HOURS:-23}
FUNCTIONS=${FUNCTIONS:-100}
PROFILE=${PROFILE:-release}
ADMIN_URL=${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_NAME=pf_front_door_bench
DB_URL="${ADMIN_URL%/*}/$DB_NAME"
APP_PORT=18791
BASE=http://127.0.0.1:$APP_PORT
TARGET=${CARGO_TARGET_DIR:-target}

if [ "$PROFILE" = release ]; then
    cargo build --release --quiet
    BIN=$TARGET/release/pyroscope-functions
else
    cargo build --quiet
    BIN=$TARGET/debug/pyroscope-functions
fi
pids=()
PROFILES=""
cleanup() {
    for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    [ -z "$PROFILES" ] || rm -rf "$PROFILES"
}
trap cleanup EXIT
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null

sql() { psql -qtAX "$DB_URL" -c "$1"; }
psql -q "$ADMIN_URL" -c "drop database if exists $DB_NAME with (force)" -c "create database $DB_NAME"

NEW_APPS=${NEW_APPS:-100}
FILES=${FILES:-12}
PROFILES=$(mktemp -d)
echo "== a profile directory of $APPS + $NEW_APPS apps × $FILES files"
for a in $(seq 0 $((APPS + NEW_APPS - 1))); do
    dir=$PROFILES/$(printf 'app-%04d' "$a")
    mkdir -p "$dir"
    for f in $(seq 1 "$FILES"); do
        # The demo's checkout profiles carry no time: they count in every window.
        ln demo/profiles/checkout/cpu.pb.gz "$dir/cpu-$f.pb.gz"
        ln demo/profiles/checkout/alloc.pb.gz "$dir/alloc-$f.pb.gz"
    done
done

DATABASE_URL=$DB_URL PORT=$APP_PORT APP__WATCH__ENABLED=false RUST_LOG=warn PROFILES_DIR=$PROFILES \
    "$BIN" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 1500); do curl -sf "$BASE/health/ready" >/dev/null && break; sleep 0.02; done
curl -sf "$BASE/health/ready" >/dev/null || { echo "the service did not become ready" >&2; exit 1; }

NOW=$(date +%s)
TO=$((NOW - NOW % 300))
FROM=$((TO - 12 * 300))
echo "== inserting $APPS apps × 2 types × 12 slices × $FUNCTIONS functions, $OPEN open events"
OLDEST=$((FROM - HISTORY_HOURS * 3600))
sql "select profile_summary_partition($OLDEST); select profile_summary_partition($TO - 1);"
sql "insert into profile_summary (app_name, profile_type, slice_start, slice_secs, total_samples, versions, functions)
     select format('app-%s', lpad(a::text, 4, '0')), t, s, 300, 100000, '{1.0}', '[[\"main\",100000,100000]]'
     from generate_series(0, $APPS - 1) a cross join unnest(array['cpu', 'alloc']) t
          cross join generate_series($OLDEST, $FROM - 1, 300) s"
sql "insert into profile_summary (app_name, profile_type, slice_start, slice_secs, total_samples, versions, functions)
     select format('app-%s', lpad(a::text, 4, '0')), t, s, 300, 100000, '{1.0}',
            (select json_agg(json_build_array(format('com/acme/pkg%s/Class%s.method', i % 20, (a * 7 + i * 13) % 2000),
                                              2000 - i * 15, 4000 - i * 10) order by i)::text
               from generate_series(0, $FUNCTIONS - 1) i)
     from generate_series(0, $APPS - 1) a cross join unnest(array['cpu', 'alloc']) t
          cross join generate_series($FROM, $TO - 1, 300) s"
sql "insert into regression_event (app_name, profile_type, function_name, state, suspected_at,
         first_recent, changed_at, before_percent, after_percent, delta_percent, delta_low,
         delta_high, p_value, version_before, version_after, confirmed_at)
     select format('app-%s', lpad((a * 17 % $APPS)::text, 4, '0')), 'cpu',
            format('com/acme/pkg%s/Class%s.method', a % 20, a), 
            case when a % 2 = 0 then 'confirmed' else 'suspected' end,
            $TO - 600, $TO - 1800, $TO - 1800, 0.4, 5.0, 4.6, 4.1, 5.1, 1e-12, '1.0', '1.1',
            case when a % 2 = 0 then $TO - 300 end
     from generate_series(0, $OPEN - 1) a"
sql "analyze profile_summary"
sql "analyze regression_event"

echo "== the plans of its two reads"
sql "explain select app_name, profile_type, max(slice_start), count(*) from profile_summary
     where slice_start >= $((NOW - 3600)) group by app_name, profile_type order by app_name, profile_type"
sql "explain select id from regression_event where state in ('suspected', 'confirmed')
     order by changed_at desc, id desc limit 1000"

echo "== the first request, then the same again"
for accept in text/html application/json; do
    for _ in 1 2; do
        curl -s -o /dev/null -H "Accept: $accept" \
            -w "$accept: status %{http_code}, %{size_download} bytes, %{time_total} s\n" "$BASE/"
    done
done
curl -s -H 'Accept: application/json' "$BASE/" | python3 -c 'import json,sys; b=json.load(sys.stdin); print("apps", len(b["apps"]), "not summarized", sum(not a["summarized"] for a in b["apps"]), "open", sum(len(a["open"]) for a in b["apps"]), "health", b["health"]["status"])'

echo "== the page, 16 concurrent clients"
wrk -t2 -c16 -d20s --latency "$BASE/" | grep -E 'Requests/sec|50%|90%|99%'
echo "== the JSON, 16 concurrent clients"
wrk -t2 -c16 -d20s --latency -H 'Accept: application/json' "$BASE/" | grep -E 'Requests/sec|50%|90%|99%'
echo "service resident memory: $(ps -o rss= -p "${pids[0]}" | awk '{printf "%.0f MB", $1 / 1024}')"
cleanup
pids=()
psql -q "$ADMIN_URL" -c "drop database if exists $DB_NAME with (force)"
