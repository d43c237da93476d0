#!/usr/bin/env bash
# The contract: schemathesis, driven by the served OpenAPI document, against a running service
# (its embedded PostgreSQL, and scripts/stub_pyroscope.py as the Pyroscope). Exits non-zero on
# any failure schemathesis reports.
#
# Installs schemathesis (pinned) into a virtual environment under target/, uses the debug
# binary `cargo test` built, starts both processes on free loopback ports and
# stops them on exit. Every file it writes is under target/contract/.
#
# Env: CONTRACT_SEED (42; fixed so that CI is reproducible, change it to explore),
#      CONTRACT_EXAMPLES (examples per operation and phase, 30), CONTRACT_WORKERS (1).
#
# Every check runs (schemathesis enables them all by default; `--checks all` on the command
# line would also override the per-operation settings). Where schemathesis is configured
# rather than obeyed, scripts/schemathesis.toml says why.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
VENV=target/contract-venv
WORK=target/contract
SEED=${CONTRACT_SEED:-42}
EXAMPLES=${CONTRACT_EXAMPLES:-30}
# One worker: with two threads, CPython 3.11 (Debian 12's) now and then fails schemathesis with
# "SystemError: AST constructor recursion depth mismatch" (python/cpython#106905), not a finding.
WORKERS=${CONTRACT_WORKERS:-1}

if [[ "$("$VENV/bin/schemathesis" --version 2>/dev/null)" != *"$SCHEMATHESIS_VERSION"* ]]; then
    echo "contract: installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# The binary as `cargo test` builds it (for the integration tests): after the tests this is a
# no-op, where `cargo build` would rebuild much of the tree with another feature set.
cargo test --quiet --no-run --test api
BIN=target/debug/pyroscope-functions

rm -rf "$WORK"
mkdir -p "$WORK"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
STUB_PORT=$(free_port)
APP_PORT=$(free_port)

pids=()
cleanup() {
    for p in "${pids[@]:-}"; do kill -TERM "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

APPS=6 NODES=400 LATENCY_MS=0 python3 scripts/stub_pyroscope.py "$STUB_PORT" \
    >"$WORK/stub.log" 2>&1 &
pids+=($!)

# No DATABASE_URL: the service starts its own PostgreSQL, with its data under target/.
env -u DATABASE_URL -u DB_HOST -u API_TOKENS -u PROFILES_DIR \
    PORT=$APP_PORT PYROSCOPE_URL=http://127.0.0.1:$STUB_PORT \
    APP__DATABASE__EMBEDDED__DATA_DIR="$PWD/$WORK/postgres" RUST_LOG=warn \
    "$BIN" >"$WORK/service.log" 2>&1 &
pids+=($!)

for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$APP_PORT/health/ready" >/dev/null && break
    kill -0 "${pids[1]}" 2>/dev/null || { cat "$WORK/service.log"; exit 1; }
    sleep 0.1
done
curl -sf "http://127.0.0.1:$APP_PORT/health/ready" >/dev/null ||
    { echo "contract: the service did not become ready in 60 s"; cat "$WORK/service.log"; exit 1; }

"$VENV/bin/schemathesis" --config-file scripts/schemathesis.toml run \
    "http://127.0.0.1:$APP_PORT/openapi.json" \
    --workers "$WORKERS" --seed "$SEED" --max-examples "$EXAMPLES" \
    --generation-database none --report junit --report-dir "$WORK/report" --no-color
