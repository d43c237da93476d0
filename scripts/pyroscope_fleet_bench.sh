#!/usr/bin/env bash
# The watcher at 10 000 apps against a shared Pyroscope (docs/performance.md, "The watcher at
# 10 000 apps"; docs/at-scale.md): `examples/fleet_standin.rs` plays a Pyroscope of APPS apps
# (CPU and allocations for all, in-use memory for half, a version change an hour per app) that
# answers 429 beyond MAX_OUTSTANDING outstanding requests and counts every call; REPLICAS
# release binaries of the service watch it live in 5-minute slices (SLICE) with the default
# budget, sharing one PostgreSQL (the machine's server, a database made for the run).
#
# For each of SLICES live slices: the wall time from the slice being due (its end + LAG) to
# every series having worked it, the fleet-wide calls (types, series, names, values) received
# meanwhile and the merged profiles read of the slice; at the end the calls by method, the most
# requests outstanding at once, the 429s answered and each replica's resident memory (now and
# its peak, VmHWM).
#
# Env: APPS (10000), REPLICAS (1), SLICES (3), SLICE (300), LAG (15), MAX_OUTSTANDING (100),
# LATENCY_MS (2), MAX_IN_FLIGHT (the default, 32), OUT (kept), PGURL
# (postgres://postgres@127.0.0.1:5432; a database fleetbench_<pid> is made and dropped).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/agents.sh

APPS=${APPS:-10000}
REPLICAS=${REPLICAS:-1}
SLICES=${SLICES:-3}
SLICE=${SLICE:-300}
LAG=${LAG:-15}
MAX_OUTSTANDING=${MAX_OUTSTANDING:-100}
LATENCY_MS=${LATENCY_MS:-2}
OUT=${OUT:-$(mktemp -d -t fleet-bench.XXXXXX)}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
DB=fleetbench_$$

cargo build --release --example fleet_standin
if [[ -z ${BIN:-} ]]; then
    cargo build --release
    BIN=target/release/pyroscope-functions
fi
STANDIN=target/release/examples/fleet_standin

psql "$PGURL/postgres" -qc "create database $DB" >/dev/null
STANDIN_PORT=$(free_port)
"$STANDIN" "$STANDIN_PORT" "$APPS" "$MAX_OUTSTANDING" "$LATENCY_MS" >"$OUT/standin.log" 2>&1 &
MONITOR_PIDS+=($!)
cleanup() {
    stop_all
    for pid in "${REPLICA_PIDS[@]:-}"; do
        [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    psql "$PGURL/postgres" -qc "drop database if exists $DB with (force)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
sleep 1

REPLICA_PIDS=()
for r in $(seq 1 "$REPLICAS"); do
    port=$(free_port)
    env -u PROFILES_DIR DATABASE_URL="$PGURL/$DB" PYROSCOPE_URL="http://127.0.0.1:$STANDIN_PORT" \
        PORT="$port" RUST_LOG=warn APP__WATCH__SLICE_SECS="$SLICE" APP__WATCH__LAG_SECS="$LAG" \
        APP__WATCH__BACKFILL_HOURS=0 ${MAX_IN_FLIGHT:+APP__PYROSCOPE__MAX_IN_FLIGHT=$MAX_IN_FLIGHT} \
        "$BIN" >"$OUT/replica-$r.log" 2>&1 &
    REPLICA_PIDS+=($!)
done
log "$REPLICAS replica(s) watching $APPS apps in $SLICE-s slices; files in $OUT"

q() { psql "$PGURL/$DB" -Atqc "$1"; }
# The first slice due after the series are known.
now=$(date +%s)
first=$(((now / SLICE + 1) * SLICE))
printf 'slice\tseries\tdue→done (s)\tfleet calls\tmerged reads\n' | tee "$OUT/slices.tsv"
for k in $(seq 0 $((SLICES - 1))); do
    start=$((first + k * SLICE))
    due=$((start + SLICE + LAG))
    while (($(date +%s) < due)); do sleep 1; done
    fleet_calls() {
        curl -sf "http://127.0.0.1:$STANDIN_PORT/stats" |
            jq '[.calls | to_entries[] | select(.key | test("^(merge@|SelectMergeStacktraces)") | not) | .value] | add'
    }
    before=$(fleet_calls)
    while true; do
        left=$(q "select count(*) from watch_series where next_slice <= $start")
        total=$(q "select count(*) from watch_series")
        [[ $left == 0 && $total -gt 0 ]] && break
        sleep 0.5
    done
    done_at=$(date +%s.%N)
    after=$(fleet_calls)
    merged=$(curl -sf "http://127.0.0.1:$STANDIN_PORT/stats" | jq ".calls[\"merge@$start\"] // 0")
    printf '%s\t%s\t%.1f\t%s\t%s\n' "$start" "$total" "$(echo "$done_at - $due" | bc)" \
        "$((after - before))" "$merged" | tee -a "$OUT/slices.tsv"
done
curl -sf "http://127.0.0.1:$STANDIN_PORT/stats" | tee "$OUT/stats.json" | jq '{refused, peakOutstanding, calls: (.calls | with_entries(select(.key | startswith("merge@") | not)))}'
for r in $(seq 1 "$REPLICAS"); do
    ps -o rss= -p "${REPLICA_PIDS[$((r - 1))]}" | awk -v r="$r" '{printf "replica %s resident: %.0f MiB\n", r, $1 / 1024}'
    awk -v r="$r" '/^VmHWM:/ {printf "replica %s peak resident (VmHWM): %.0f MiB\n", r, $2 / 1024}' \
        "/proc/${REPLICA_PIDS[$((r - 1))]}/status"
done
for r in $(seq 1 "$REPLICAS"); do
    grep -c '"level":"WARN"' "$OUT/replica-$r.log" | sed "s/^/replica $r warnings: /" || true
done
log "report: $OUT/slices.tsv, $OUT/stats.json"
