#!/usr/bin/env bash
# Load and startup figures for docs/performance.md, all from one run so ratios are fair.
#
# Needs: the release binary's build tools, python3, wrk and pgbench (installed when missing),
# and a PostgreSQL server: DATABASE_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres).
# Traffic goes to 127.0.0.1 only; every loop is bounded in time.
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
    local started=$(date +%s.%N)
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

# wrk_run NAME ARGS...: prints "req/s p50 p99" of one run.
wrk_run() {
    wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "$@" 2>/dev/null | awk '
        /Requests\/sec/ {rps=$2}
        $1 == "50%" {p50=$2} $1 == "99%" {p99=$2}
        END {printf "%.0f %s %s\n", rps, p50, p99}'
}

TRIAGE="http://127.0.0.1:$APP_PORT/triage/app-001?types=cpu,alloc&from=$FROM&to=$TO"
cat > /tmp/pf-history.lua <<'EOF'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"appName":"load-app","diagnosis":"gc_pressure","severity":"high","profileTypes":"cpu,alloc","topFunctions":{"cpu":[{"name":"G1 Young Generation","selfPercent":34.2}]},"recommendation":"Tune the heap","requestedBy":"load"}'
EOF

echo "(6) startup time to ready (external database, schema migrated on the first start)"
start_app 10; stop_app
startups=()
for _ in 1 2 3; do start_app 10; startups+=("$STARTUP"); stop_app; done
startup=$(printf '%s\n' "${startups[@]}" | sort -n | sed -n 2p)

echo "(1) triage, cache disabled"
start_app 0
idle_rss=$(rss_mib "$APP_PID" VmRSS)
read -r t0_rps t0_p50 t0_p99 < <(wrk_run "$TRIAGE")
stop_app

echo "(1) triage, cache enabled; /health/live; (2) POST /history; (4) coalescing; (3) hotspots"
start_app 10
read -r live_rps live_p50 live_p99 < <(wrk_run "http://127.0.0.1:$APP_PORT/health/live")
read -r t1_rps t1_p50 t1_p99 < <(wrk_run "$TRIAGE")
read -r h_rps h_p50 h_p99 < <(wrk_run -s /tmp/pf-history.lua "http://127.0.0.1:$APP_PORT/history")

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
stop_app
ideal=$(echo "scale=3; (($APPS + 15) / 16) * $LATENCY_MS / 1000" | bc)

echo "(2) pgbench single-row INSERT with $CONNS connections"
cat > /tmp/pf-insert.sql <<'EOF'
insert into triage_history (app_name, profile_types, diagnosis, severity, top_functions, recommendation, requested_by)
values ('load-app', 'cpu,alloc', 'gc_pressure', 'high', '{"cpu":[{"name":"G1 Young Generation","selfPercent":34.2}]}', 'Tune the heap', 'load');
EOF
pg_tps=$(pgbench -n -c "$CONNS" -j 2 -T "$DURATION" -f /tmp/pf-insert.sql "$DB_URL" 2>/dev/null \
    | awk '/^tps/ {printf "%.0f", $3}')

ratio() { echo "scale=2; $1 * 100 / $2" | bc; }
cpu_model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
mem=$(free -h | awk '/Mem:/ {print $2}')
mkdir -p "$(dirname "$OUT")"
cat > "$OUT" <<EOF
# Performance

Measured by \`just load\` (\`scripts/load.sh\`) on $(date -u +%Y-%m-%d): $(nproc) cores ($cpu_model),
$mem memory; release build; the service, a stub Pyroscope (\`scripts/stub_pyroscope.py\`: a
$NODES-node Java flame graph, $LATENCY_MS ms latency, $APPS apps) and PostgreSQL $(psql -tA "$ADMIN_URL" -c 'show server_version' | cut -d' ' -f1)
on the same machine. wrk: 2 threads, $CONNS connections, ${DURATION} s per run.

| # | Figure | Command | Result | Target |
|---|---|---|---|---|
| 1 | \`/health/live\` (framework ceiling) | \`wrk -c$CONNS /health/live\` | $live_rps req/s, p50 $live_p50, p99 $live_p99 | — |
| 1 | Triage \`cpu,alloc\`, cache enabled (10 s) | \`wrk -c$CONNS '/triage/app-001?types=cpu,alloc&from=…&to=…'\` | $t1_rps req/s ($(ratio "$t1_rps" "$live_rps") % of live), p50 $t1_p50, p99 $t1_p99 | ≥ 25 % of live, p99 < 50 ms |
| 1 | Triage, cache disabled (coalescing only) | same, \`APP__PYROSCOPE__CACHE_TTL_SECS=0\` | $t0_rps req/s, p50 $t0_p50, p99 $t0_p99 | — |
| 2 | \`POST /history\` | \`wrk -c$CONNS -s history.lua /history\` | $h_rps req/s ($(ratio "$h_rps" "$pg_tps") % of pgbench), p50 $h_p50, p99 $h_p99 | ≥ 50 % of pgbench |
| 2 | pgbench single-row INSERT (database ceiling) | \`pgbench -n -c$CONNS -j2 -T$DURATION -f insert.sql\` | $pg_tps TPS | — |
| 3 | \`GET /fleet/hotspots\` over $APPS apps, $LATENCY_MS ms upstream, cache off | \`curl -w %{time_total}\` (median of 3) | ${hot} s (ideal ceil($APPS/16) × $LATENCY_MS ms = ${ideal} s) | ≤ 1.5 × ideal |
| 4 | Pyroscope profile queries for 100 concurrent identical triage requests (\`cpu,alloc\`) | \`xargs -P100 curl\`, stub counter | $selects | ≤ 2 |
| 5 | Resident memory idle / peak after the runs above | \`VmRSS\` / \`VmHWM\` | $idle_rss MiB / $peak_rss MiB | < 60 MiB under load |
| 6 | Startup to ready, external database (median of 3) | poll \`/health/ready\` | ${startup} s | < 1 s |

Triage in the all-in-one process is v2: each request also reads baselines from PostgreSQL and
writes a history record in the background, so figure 1 includes that work.
EOF
cat "$OUT"
