#!/usr/bin/env bash
# Load, memory and startup figures for docs/performance.md, all from one run so ratios are fair.
#
# Needs: the release binary's build tools, python3, bc, wrk and pgbench (installed when
# missing), and a PostgreSQL server on this machine: DATABASE_ADMIN_URL (default
# postgres://postgres@127.0.0.1:5432/postgres). Traffic goes to 127.0.0.1 only; every loop is
# bounded in time. Rewrites only the block between the markers in OUT, keeping the prose.
#
# Env: DURATION (s per wrk run, 10), CONNS (64), LATENCY_MS (stub Pyroscope latency, 20),
#      NODES (flame-graph nodes, 5000), APPS (200), OUT (docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
CONNS=${CONNS:-64}
LATENCY_MS=${LATENCY_MS:-20}
NODES=${NODES:-5000}
APPS=${APPS:-200}
OUT=${OUT:-docs/performance.md}
ADMIN_URL=${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_NAME=pf_load
DB_URL="${ADMIN_URL%/*}/$DB_NAME"
STUB_PORT=18299
APP_PORT=18290
FROM=1700000000
TO=1700003600

command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
command -v pgbench >/dev/null || apt-get install -y postgresql-client >/dev/null
command -v bc >/dev/null || apt-get install -y bc >/dev/null
cargo build --release --quiet
BIN=target/release/pyroscope-functions

pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

psql -q "$ADMIN_URL" -c "drop database if exists $DB_NAME with (force)" -c "create database $DB_NAME"

APPS=$APPS NODES=$NODES LATENCY_MS=$LATENCY_MS python3 scripts/stub_pyroscope.py $STUB_PORT 2>/dev/null &
pids+=($!)

# start_app CACHE_TTL: starts the service; sets APP_PID and STARTUP (seconds until ready).
start_app() {
    local started
    started=$(date +%s.%N)
    DATABASE_URL=$DB_URL PORT=$APP_PORT PYROSCOPE_URL=http://127.0.0.1:$STUB_PORT \
        APP__PYROSCOPE__CACHE_TTL_SECS=$1 RUST_LOG=warn "$BIN" >/dev/null 2>&1 &
    APP_PID=$!
    for _ in $(seq 1 1000); do
        curl -sf "http://127.0.0.1:$APP_PORT/health/ready" >/dev/null && break
        sleep 0.01
    done
    STARTUP=$(echo "$(date +%s.%N) - $started" | bc)
}
stop_app() { kill -TERM "$APP_PID"; wait "$APP_PID" 2>/dev/null || true; }
rss_mib() { awk -v k="$2" '$1 == k":" {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

# CPU accounting, in clock ticks: one process (all its threads), every PostgreSQL server
# process ("pid ticks" lines; a backend that appears during a run counts from zero), and the
# whole machine (all but idle and iowait).
TICK_US=$((1000000 / $(getconf CLK_TCK)))
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() { for p in $(pgrep -x postgres); do echo "$p $(proc_ticks "$p")"; done; }
machine_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
pg_delta() { awk 'NR == FNR {start[$1] = $2; next} {d += $2 - start[$1]} END {print d + 0}' "$1" "$2"; }
per_request_us() { echo "$1 * $TICK_US / $2" | bc; }

# measure ARGS...: one wrk run against the service; prints
# "req/s p50 p99 service-us/req postgres-us/req machine-us/req".
measure() {
    local s0 m0 out requests s1 m1
    s0=$(proc_ticks "$APP_PID"); m0=$(machine_ticks); pg_ticks > /tmp/pf-pg0
    out=$(wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$@" 2>/dev/null)
    s1=$(proc_ticks "$APP_PID"); m1=$(machine_ticks); pg_ticks > /tmp/pf-pg1
    requests=$(echo "$out" | awk '/requests in/ {print $1}')
    echo "$out" | awk -v s="$(per_request_us $((s1 - s0)) "$requests")" \
        -v p="$(per_request_us "$(pg_delta /tmp/pf-pg0 /tmp/pf-pg1)" "$requests")" \
        -v m="$(per_request_us $((m1 - m0)) "$requests")" '
        /Requests\/sec/ {rps=$2}
        $1 == "50%" {p50=$2} $1 == "99%" {p99=$2}
        END {printf "%.0f %s %s %s %s %s\n", rps, p50, p99, s, p, m}'
}

# ms LATENCY: a wrk latency (812.00us, 23.71ms, 1.02s) in milliseconds.
ms() {
    echo "$1" | awk '/us$/ {printf "%.3f", $1 / 1000; next}
        /ms$/ {printf "%.3f", $1 + 0; next} /s$/ {printf "%.3f", $1 * 1000}'
}
# verdict CONDITION: "met" when bc finds CONDITION true, else "MISSED".
verdict() { if [ "$(echo "$1" | bc)" = 1 ]; then echo met; else echo MISSED; fi; }
# dropped: history records the service has dropped so far (queue full, or refused by the database).
dropped() {
    curl -s "http://127.0.0.1:$APP_PORT/metrics" | awk '/^history_writes_dropped_total / {print $2}'
}

TRIAGE="http://127.0.0.1:$APP_PORT/triage/app-001?types=cpu,alloc&from=$FROM&to=$TO"
cat > /tmp/pf-history.lua <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"appName":"load-app","diagnosis":"gc_pressure","severity":"high","profileTypes":"cpu,alloc","topFunctions":{"cpu":[{"name":"G1 Young Generation","selfPercent":34.2}]},"recommendation":"Tune the heap","requestedBy":"load"}'
LUA

echo "(6) startup time to ready (external database, schema migrated on the first start)"
start_app 10; stop_app
startups=()
for _ in 1 2 3; do start_app 10; startups+=("$STARTUP"); stop_app; done
startup=$(printf '%s\n' "${startups[@]}" | sort -n | sed -n 2p)

echo "(1) triage, cache disabled"
start_app 0
idle_rss=$(rss_mib "$APP_PID" VmRSS)
read -r t0_rps t0_p50 t0_p99 t0_svc t0_pg t0_all < <(measure "$TRIAGE")
t0_dropped=$(dropped)
stop_app

echo "(1) triage, cache enabled; /health/live; (2) POST /history; (4) coalescing; (3) hotspots"
start_app 10
read -r live_rps live_p50 live_p99 live_svc live_pg live_all < <(measure "http://127.0.0.1:$APP_PORT/health/live")
read -r t1_rps t1_p50 t1_p99 t1_svc t1_pg t1_all < <(measure "$TRIAGE")
t1_dropped=$(dropped)
read -r h_rps h_p50 h_p99 h_svc h_pg h_all < <(measure -s /tmp/pf-history.lua "http://127.0.0.1:$APP_PORT/history")

curl -s -XPOST "http://127.0.0.1:$STUB_PORT/__reset" >/dev/null
cold="http://127.0.0.1:$APP_PORT/triage/app-002?types=cpu,alloc&from=$((FROM + 60))&to=$((TO + 60))"
seq 1 100 | xargs -P 100 -I{} curl -s -o /dev/null "$cold"
coalesced=$(curl -s "http://127.0.0.1:$STUB_PORT/__calls")
selects=$(echo "$coalesced" | python3 -c 'import json,sys; print(json.load(sys.stdin)["select"])')
peak_rss=$(rss_mib "$APP_PID" VmHWM)
stop_app

start_app 0
hotspots=()
for i in 1 2 3; do
    hotspots+=("$(curl -s -o /dev/null -w '%{time_total}' \
        "http://127.0.0.1:$APP_PORT/fleet/hotspots?from=$((FROM + i * 10))&to=$TO")")
done
hot=$(printf '%s\n' "${hotspots[@]}" | sort -n | sed -n 2p)
# The mean Pyroscope call as the service saw it: the stub's latency plus sending ~150 KB.
upstream_ms=$(curl -s "http://127.0.0.1:$APP_PORT/metrics" | awk '
    /^upstream_request_duration_seconds_sum\{outcome="ok",target="pyroscope"\}/ {sum=$2}
    /^upstream_request_duration_seconds_count\{outcome="ok",target="pyroscope"\}/ {n=$2}
    END {if (n) printf "%.1f", sum * 1000 / n}')
stop_app
rounds=$(( (APPS + 15) / 16 ))
ideal=$(echo "scale=3; $rounds * $LATENCY_MS / 1000" | bc)

echo "(2) pgbench single-row INSERT with $CONNS connections"
cat > /tmp/pf-insert.sql <<'SQL'
insert into triage_history (app_name, profile_types, diagnosis, severity, top_functions, recommendation, requested_by)
values ('load-app', 'cpu,alloc', 'gc_pressure', 'high', '{"cpu":[{"name":"G1 Young Generation","selfPercent":34.2}]}', 'Tune the heap', 'load');
SQL
m0=$(machine_ticks)
pg_out=$(pgbench -n -c "$CONNS" -j 2 -T "$DURATION" -f /tmp/pf-insert.sql "$DB_URL" 2>/dev/null)
m1=$(machine_ticks)
pg_tps=$(echo "$pg_out" | awk '/^tps/ {printf "%.0f", $3}')
pg_txns=$(echo "$pg_out" | awk '/transactions actually processed/ {print $NF}')
pg_all=$(per_request_us $((m1 - m0)) "$pg_txns")

ratio() { echo "scale=2; $1 * 100 / $2" | bc; }
cpu_model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(free -h | awk '/Mem:/ {print $2}')
pg_version=$(psql -tA "$ADMIN_URL" -c 'show server_version' | cut -d' ' -f1)
table=$(mktemp)
cat > "$table" <<EOF
<!-- Written by scripts/load.sh: everything down to the end marker is replaced on each run. -->
Measured by \`just load\` (\`scripts/load.sh\`) on $(date -u +%Y-%m-%d): $(nproc) cores ($cpu_model),
$mem memory; release build; the service, a stub Pyroscope (\`scripts/stub_pyroscope.py\`: a
$NODES-node Java flame graph, $LATENCY_MS ms latency, $APPS apps), wrk and PostgreSQL $pg_version
all on the same machine. wrk: 2 threads, $CONNS connections, ${DURATION} s per run. CPU per
request is CPU time over requests served, for the service's process, PostgreSQL's server
processes, and the whole machine (which also counts wrk and the kernel's loopback traffic).

| # | Figure | Command | Result | CPU per request: service / PostgreSQL / machine | Target | Verdict |
|---|---|---|---|---|---|---|
| 1 | \`/health/live\` (framework ceiling) | \`wrk -c$CONNS /health/live\` | $live_rps req/s, p50 $live_p50, p99 $live_p99 | $live_svc / $live_pg / $live_all µs | — | |
| 1 | Triage \`cpu,alloc\`, cache enabled (10 s) | \`wrk -c$CONNS '/triage/app-001?types=cpu,alloc&from=…&to=…'\` | $t1_rps req/s ($(ratio "$t1_rps" "$live_rps") % of live), p50 $t1_p50, p99 $t1_p99; history records dropped: $t1_dropped of ~$(echo "$t1_rps * $DURATION" | bc) | $t1_svc / $t1_pg / $t1_all µs | ≥ 25 % of live, p99 < 50 ms | rate $(verdict "$t1_rps * 4 >= $live_rps"), p99 $(verdict "$(ms "$t1_p99") < 50") |
| 1 | Triage, cache disabled (coalescing only) | same, \`APP__PYROSCOPE__CACHE_TTL_SECS=0\` | $t0_rps req/s, p50 $t0_p50, p99 $t0_p99; history records dropped: $t0_dropped | $t0_svc / $t0_pg / $t0_all µs | — | |
| 2 | \`POST /history\` | \`wrk -c$CONNS -s history.lua /history\` | $h_rps req/s ($(ratio "$h_rps" "$pg_tps") % of pgbench), p50 $h_p50, p99 $h_p99 | $h_svc / $h_pg / $h_all µs | ≥ 50 % of pgbench | $(verdict "$h_rps * 2 >= $pg_tps") |
| 2 | pgbench single-row INSERT (database ceiling) | \`pgbench -n -c$CONNS -j2 -T$DURATION -f insert.sql\` | $pg_tps TPS | — / — / $pg_all µs | — | |
| 3 | \`GET /fleet/hotspots\` over $APPS apps, $LATENCY_MS ms upstream, cache off | \`curl -w %{time_total}\` (median of 3) | ${hot} s (ideal ceil($APPS/16) × $LATENCY_MS ms = ${ideal} s; Pyroscope calls took ${upstream_ms} ms on average, so the $rounds rounds alone take $(echo "scale=3; $rounds * $upstream_ms / 1000" | bc) s) | — | ≤ 1.5 × ideal | $(verdict "$hot <= 1.5 * $ideal") |
| 4 | Pyroscope profile queries for 100 concurrent identical triage requests (\`cpu,alloc\`) | \`xargs -P100 curl\`, stub counter | $selects | — | ≤ 2 | $(verdict "$selects <= 2") |
| 5 | Resident memory idle / peak after the runs above | \`VmRSS\` / \`VmHWM\` | $idle_rss MiB / $peak_rss MiB | — | < 60 MiB under load | $(verdict "$peak_rss < 60") |
| 6 | Startup to ready, external database (median of 3) | poll \`/health/ready\` | ${startup} s | — | < 1 s | $(verdict "$startup < 1") |

Triage in the all-in-one process is v2: each request also reads the app's baselines (identical
reads in flight share one query) and stores a history record in the background (records
arriving together share one insert), so figure 1 includes that work.
<!-- End of the part written by scripts/load.sh. -->
EOF
mkdir -p "$(dirname "$OUT")"
if grep -q '^<!-- Written by scripts/load.sh' "$OUT" 2>/dev/null; then
    awk -v table="$table" '
        /^<!-- Written by scripts\/load.sh/ {while ((getline line < table) > 0) print line; skip = 1; next}
        /^<!-- End of the part written by scripts\/load.sh/ {skip = 0; next}
        !skip' "$OUT" > "$OUT.new"
    mv "$OUT.new" "$OUT"
else
    { echo "# Performance"; echo; cat "$table"; } > "$OUT"
fi
cat "$table"
rm -f "$table"
