#!/usr/bin/env bash
# Draining the webhook outbox (issue 27): COUNT pending notifications to a receiver that answers
# after LATENCY_MS, drained by one release process with `alerts.delivery_concurrency` at the
# default and at 1 (one send after another, the shape of the drain before the outbox). Prints
# the time from enqueue to the last delivery for each; the figures go to docs/performance.md.
#
# Needs python3 and a PostgreSQL server: DATABASE_ADMIN_URL (default
# postgres://postgres@127.0.0.1:5432/postgres). Env: COUNT (1000), LATENCY_MS (50),
# CONCURRENCY (32). Traffic goes to 127.0.0.1 only; every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${COUNT:-1000}
LATENCY_MS=${LATENCY_MS:-50}
CONCURRENCY=${CONCURRENCY:-32}
ADMIN_URL=${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_NAME=pf_outbox_bench
DB_URL="${ADMIN_URL%/*}/$DB_NAME"
RECEIVER_PORT=18499
APP_PORT=18490

source scripts/bench-common.sh

# A receiver that answers 200 after LATENCY_MS, many requests at once.
LATENCY_MS=$LATENCY_MS python3 - $RECEIVER_PORT <<'PY' 2>/dev/null &
import os, sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
delay = int(os.environ["LATENCY_MS"]) / 1000
class Hook(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        time.sleep(delay)
        self.send_response(200)
        self.send_header("content-length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Hook).serve_forever()
PY
pids+=($!)

drain() {
    local concurrency=$1
    fresh_db
    DATABASE_URL=$DB_URL PORT=$APP_PORT RUST_LOG=warn APP__ALERTS__DELIVERY_CONCURRENCY=$concurrency \
        target/release/pyroscope-functions >/dev/null 2>&1 &
    local app=$!
    wait_ready "http://127.0.0.1:$APP_PORT"
    local start end
    start=$(date +%s.%N)
    psql -q "$DB_URL" -c "insert into notification_outbox (kind, destination, payload)
        select 'alert_webhook', 'http://127.0.0.1:$RECEIVER_PORT/hook', jsonb_build_object('n', g)
        from generate_series(1, $COUNT) g"
    for _ in $(seq 1 12000); do
        [ "$(psql -tAq "$DB_URL" -c "select count(*) from notification_outbox where outcome is null")" = 0 ] && break
        sleep 0.01
    done
    end=$(date +%s.%N)
    echo "concurrency $concurrency: $COUNT notifications drained in $(echo "$end - $start" | bc) s"
    kill $app; wait $app 2>/dev/null || true
}

drain "$CONCURRENCY"
drain 1
drop_db
