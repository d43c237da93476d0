#!/usr/bin/env bash
# Whether big pushes starve the HTTP workers (reported in
# docs/performance.md#off-the-request-threads-decoded-once-issue-46):
# `/health/live` latency, sampled by one client at SAMPLE_HZ on its own connection, while
# CLIENTS connections push a BODY_MIB MiB pprof to /ingest again and again with wrk, each push
# decoded, relabelled, compressed, written and synced before its 200. Also: the pushes' rate and
# latency, and `/health/live` alone for comparison.
#
# Runs the release binary as the Profile Data process (it hosts the push routes and needs no
# database) on a store under target/ingest-health-bench/. Traffic goes to 127.0.0.1 only.
# Env: DURATION (30), CLIENTS (16), BODY_MIB (16: just under ingest.max_body_bytes),
# SAMPLE_HZ (100), BIN (a built binary; default: build the release one).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-30}
CLIENTS=${CLIENTS:-16}
BODY_MIB=${BODY_MIB:-16}
SAMPLE_HZ=${SAMPLE_HZ:-100}
WORK=target/ingest-health-bench
PORT=18791
BASE=http://127.0.0.1:$PORT

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

# A big raw (not gzip) pprof just under BODY_MIB MiB: distinct stacks 8-24 frames deep over
# 4 000 Java-like functions, as a busy service's profile of many threads would be.
python3 - "$WORK/body.pb" "$BODY_MIB" <<'EOF'
import random, sys
dst, mib = sys.argv[1], int(sys.argv[2])
def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F; v >>= 7
        if v: out.append(b | 0x80)
        else: out.append(b); return bytes(out)
def field(tag, payload): return varint(tag << 3 | 2) + varint(len(payload)) + payload
def num(tag, v): return varint(tag << 3) + varint(v)
rng = random.Random(11)
n = 4000
strings = ["", "cpu", "nanoseconds", "java/lang/Thread.run"]
strings += [f"com/example/svc{i % 97}/Class{i % 313}.method{i}" for i in range(n)]
head = field(1, num(1, 1) + num(2, 2))
tables = b"".join(field(4, num(1, i + 1) + field(4, num(1, i + 1))) for i in range(n + 1))
tables += b"".join(field(5, num(1, i + 1) + num(2, i + 3)) for i in range(n + 1))
tables += b"".join(field(6, s.encode()) for s in strings)
tables += field(11, num(1, 1) + num(2, 2)) + num(12, 10_000_000)
budget = mib * 1024 * 1024 - 4096 - len(head) - len(tables)
samples, size = [], 0
while True:
    ids = [rng.randint(2, n + 1) for _ in range(rng.randint(8, 24))] + [1]
    value = rng.randint(1, 200) * 10_000_000
    sample = field(2, field(1, b"".join(varint(i) for i in ids)) + field(2, varint(value)))
    if size + len(sample) > budget:
        break
    samples.append(sample)
    size += len(sample)
with open(dst, "wb") as out:
    out.write(head + b"".join(samples) + tables)
print(f"body: {len(samples)} samples")
EOF
BODY_BYTES=$(stat -c %s "$WORK/body.pb")

FUNCTION=ReadPyroscopeProfile.sor.v1 PROFILES_DIR="$PWD/$WORK/store" PORT=$PORT RUST_LOG=warn \
    APP__INGEST__RETENTION_DAYS=36500 "$BIN" >>"$WORK/service.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 500); do curl -sf "$BASE/health/ready" >/dev/null && break; sleep 0.02; done

cat >"$WORK/sample.py" <<'EOF'
import http.client, sys, time
port, seconds, hz = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
times, failures = [], 0
end = time.monotonic() + seconds
next_at = time.monotonic()
while time.monotonic() < end:
    t0 = time.perf_counter()
    try:
        conn.request("GET", "/health/live")
        r = conn.getresponse(); r.read()
        if r.status != 200: failures += 1
    except OSError:
        failures += 1
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    times.append((time.perf_counter() - t0) * 1000)
    next_at += 1 / hz
    time.sleep(max(0, next_at - time.monotonic()))
times.sort()
q = lambda p: times[min(len(times) - 1, int(p * len(times)))]
print(f"/health/live: {len(times)} samples, {failures} failed, p50 {q(0.50):.2f} ms, "
      f"p90 {q(0.90):.2f} ms, p99 {q(0.99):.2f} ms, max {times[-1]:.2f} ms")
EOF

echo "== 1. /health/live alone, ${SAMPLE_HZ}/s for 10 s"
python3 "$WORK/sample.py" "$PORT" 10 "$SAMPLE_HZ"

cat >"$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/octet-stream"
local f = io.open("$WORK/body.pb", "rb")
wrk.body = f:read("*all")
f:close()
done = function(summary, latency, requests)
  io.write(string.format("pushes: %d in %.1f s, non-2xx %d\n", summary.requests,
    summary.duration / 1e6, summary.errors.status))
end
EOF
echo "== 2. /health/live while $CLIENTS clients push a ${BODY_BYTES}-byte raw pprof, ${DURATION} s"
wrk -t2 -c"$CLIENTS" -d"$((DURATION + 4))s" --timeout 30s --latency -s "$WORK/post.lua" \
    "$BASE/ingest?name=big%7Bversion%3D1%7D&format=pprof" >"$WORK/wrk.txt" &
wrk_pid=$!
sleep 2
python3 "$WORK/sample.py" "$PORT" "$DURATION" "$SAMPLE_HZ"
wait "$wrk_pid"
sed -n '/Latency Distribution/,$p' "$WORK/wrk.txt"
echo "stored: $(find "$WORK/store/big" -name '*.pb.gz' | wc -l) files"
