#!/usr/bin/env bash
# The push path's figures (docs/agents.md#pushing-from-agents; reported in docs/performance.md):
#   1. sustained pushes per second, every push synced before its 200, with wrk (16 connections,
#      DURATION s) posting one realistic gzip pprof to /ingest; latency percentiles;
#   2. bytes stored per push;
#   3. one app's 24 h of 10-s pushes (8 640 profiles) read cold (the first read after a
#      restart: every file listed and parsed) and warm (the next, different, window).
#
# Runs the release binary as the Profile Data process (it hosts the push routes and needs no
# database) on a store under target/ingest-bench/. Traffic goes to 127.0.0.1 only.
# Env: DURATION (20), CONNECTIONS (16), PROFILES (8640; 0 skips figure 3), BIN (a built binary;
# default: build the release one).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-16}
PROFILES=${PROFILES:-8640}
WORK=target/ingest-bench
PORT=18790
BASE=http://127.0.0.1:$PORT

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
BODY_BYTES=$(stat -c %s "$WORK/body.pb.gz")

start() {
    FUNCTION=ReadPyroscopeProfile.sor.v1 PROFILES_DIR="$PWD/$WORK/store" PORT=$PORT RUST_LOG=warn \
        APP__INGEST__RETENTION_DAYS=36500 "$BIN" >>"$WORK/service.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 500); do curl -sf "$BASE/health/ready" >/dev/null && return 0; sleep 0.02; done
    echo "the service did not become ready" >&2
    exit 1
}

start
cat >"$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/octet-stream"
local f = io.open("$WORK/body.pb.gz", "rb")
wrk.body = f:read("*all")
f:close()
EOF
echo "== 1. pushes of a ${BODY_BYTES}-byte gzip pprof, $CONNECTIONS connections, ${DURATION} s, each synced"
cpu() { awk '{print $14 + $15}' "/proc/${pids[0]}/stat"; }
cpu_before=$(cpu)
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/post.lua" \
    "$BASE/ingest?name=pushes%7Bversion%3D1%7D&format=pprof" | tee "$WORK/wrk.txt"
requests=$(awk '/requests in/ {print $1}' "$WORK/wrk.txt")
echo "service CPU per push (user + system): $(( ($(cpu) - cpu_before) * 1000000 / $(getconf CLK_TCK) / requests )) µs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
files=$(find "$WORK/store/pushes" -name '*.pb.gz' | wc -l)
bytes=$(du -sb "$WORK/store/pushes" | cut -f1)
echo "== 2. $files pushes stored in $bytes bytes: $((bytes / files)) bytes per push on disk (file $((bytes / files)) incl. directory share)"

[ "$PROFILES" -gt 0 ] || exit 0
echo "== 3. one app's $PROFILES pushes of 10 s over 24 h (the store holding nothing else)"
rm -rf "$WORK/store/pushes"
now=$(date +%s)
start_at=$((now - PROFILES * 10))
python3 - "$BASE" "$WORK/body.pb.gz" "$start_at" "$PROFILES" <<'EOF'
import sys, urllib.request, concurrent.futures
base, body_path, start, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
body = open(body_path, "rb").read()
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
def push(i):
    t = start + 10 * i
    req = urllib.request.Request(f"{base}/ingest?name=day&from={t}&until={t + 10}&format=pprof",
                                 data=body, headers={"Content-Type": "application/octet-stream"})
    with opener.open(req) as r:
        assert r.status == 200
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    list(pool.map(push, range(n)))
EOF
timed() { curl -s -o /dev/null -w '%{time_total}' "$1"; }
restart() { kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=(); start; }
echo "pushed: $(find "$WORK/store/day" -name '*.pb.gz' | wc -l) files"
# Compaction runs at start and every minute: slices closed two minutes ago become one file.
restart
t0=$(date +%s.%N)
for _ in $(seq 1 600); do
    n=$(find "$WORK/store/day" -name '*.pb.gz' | wc -l)
    [ "$n" -le 320 ] && break
    sleep 0.2
done
echo "compacted into $n files in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
restart
cold=$(timed "$BASE/profiles/day?from=$start_at&to=$now&limit=50")
warm=$(timed "$BASE/profiles/day?from=$((start_at + 10))&to=$now&limit=50")
again=$(timed "$BASE/profiles/day?from=$((start_at + 10))&to=$now&limit=50")
echo "cold (listing and parsing $(find "$WORK/store/day" -name "*.pb.gz" | wc -l) files, then merging): ${cold} s"
echo "warm (files cached, a new window merged): ${warm} s; the same window again: ${again} s"
