#!/usr/bin/env bash
# The Grafana query API's figures (docs/grafana.md; reported in docs/performance.md):
#   1. SelectMergeStacktraces (JSON, max_nodes 8 192) over one app-hour of 10-s pushes (360
#      profiles), warm (the files parsed once), under CONNECTIONS (16) clients for DURATION s:
#      latency percentiles (goal: p99 < 100 ms);
#   2. SelectSeries over one app's 24 h of 10-s pushes (8 640 profiles) at a 60-s step, cold
#      (the first read after a restart: every file listed and parsed), then warm
#      (goal: cold < 300 ms).
#
# Runs the release binary as the Profile Data process (it hosts the push and query routes and
# needs no database) on a store under target/querier-bench/. Traffic goes to 127.0.0.1 only.
# Env: DURATION (20), CONNECTIONS (16), BIN (a built binary; default: build the release one).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-16}
WORK=target/querier-bench
PORT=18791
BASE=http://127.0.0.1:$PORT
CPU='process_cpu:cpu:nanoseconds:cpu:nanoseconds'

# With BIN given, an existing fold2pprof (it only writes the pushed profile) is used as it is.
[ -n "${BIN:-}" ] && [ -x target/release/examples/fold2pprof ] ||
    cargo build --release --quiet --example fold2pprof
if [ -z "${BIN:-}" ]; then
    cargo build --release --quiet --bin pyroscope-functions
    BIN=target/release/pyroscope-functions
fi
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

rm -rf "$WORK"
mkdir -p "$WORK/store"

source scripts/lib/java_profile.sh
java_like_profile "$WORK"

start() {
    FUNCTION=ReadPyroscopeProfile.sor.v1 PROFILES_DIR="$PWD/$WORK/store" PORT=$PORT RUST_LOG=warn \
        APP__INGEST__RETENTION_DAYS=36500 "$BIN" >>"$WORK/service.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 500); do curl -sf "$BASE/health/ready" >/dev/null && return 0; sleep 0.02; done
    echo "the service did not become ready" >&2
    exit 1
}
restart() { kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=(); start; }

# Pushes $2 profiles of 10 s for app $1, the last one ending now.
push() {
    python3 - "$BASE" "$WORK/body.pb.gz" "$1" "$(($(date +%s) - $2 * 10))" "$2" <<'EOF'
import sys, urllib.request, concurrent.futures
base, body_path, app, start, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
body = open(body_path, "rb").read()
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def push(i):
    t = start + 10 * i
    req = urllib.request.Request(f"{base}/ingest?name={app}&from={t}&until={t + 10}&format=pprof",
                                 data=body, headers={"Content-Type": "application/octet-stream"})
    with opener.open(req) as r:
        assert r.status == 200
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(push, range(n)))
EOF
}

# The JSON body of method $1's request for app $2 over the last $3 seconds, then $4 (more fields).
body() {
    local end=$(($(date +%s) + 60))
    printf '{"profileTypeID":"%s","labelSelector":"{service_name=\\"%s\\"}","start":"%s","end":"%s"%s}' \
        "$CPU" "$2" "$(((end - $3) * 1000))" "$((end * 1000))" "$4"
}
call() { curl -s -o "$WORK/answer.json" -w '%{http_code} %{time_total}\n' -H 'Content-Type: application/json' \
    -d "$2" "$BASE/querier.v1.QuerierService/$1"; }

start
push hour 360
push day 8640
echo "pushed: $(find "$WORK/store/hour" -name '*.pb.gz' | wc -l) files of hour, $(find "$WORK/store/day" -name '*.pb.gz' | wc -l) of day"
# Compaction runs at start and every minute: slices closed two minutes ago become one file.
restart
for _ in $(seq 1 600); do
    n=$(find "$WORK/store/day" -name '*.pb.gz' | wc -l)
    h=$(find "$WORK/store/hour" -name '*.pb.gz' | wc -l)
    [ "$n" -le 320 ] && [ "$h" -le 40 ] && break
    sleep 0.2
done
echo "as kept (compacted into one file per 300-s slice, the last two minutes not yet): $h files of hour, $n of day"

echo "== 1. SelectMergeStacktraces over the hour's 360 pushes, $CONNECTIONS clients, ${DURATION} s, warm"
STACKS=$(body SelectMergeStacktraces hour 3700 ',"maxNodes":"8192"')
read -r status took < <(call SelectMergeStacktraces "$STACKS")
echo "first call (parses the files): $status in ${took} s; total $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["flamegraph"]["total"])' "$WORK/answer.json")"
cat >"$WORK/stacks.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[$STACKS]]
EOF
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/stacks.lua" \
    "$BASE/querier.v1.QuerierService/SelectMergeStacktraces" | tee "$WORK/wrk.txt"

echo "== 2. SelectSeries over the day's 8 640 pushes at a 60-s step"
SERIES=$(body SelectSeries day 86400 ',"step":60')
restart
read -r status cold < <(call SelectSeries "$SERIES")
points=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["series"]; print(sum(len(x["points"]) for x in s))' "$WORK/answer.json")
read -r _ warm < <(call SelectSeries "$SERIES")
echo "cold (listing and parsing every file, then bucketing): $status in ${cold} s, $points points"
echo "warm (files cached): ${warm} s"
