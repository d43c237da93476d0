#!/usr/bin/env bash
# What cutting windows into parts costs a diff (docs/api.md#how-sure-is-a-diff): `GET /diff/{app}`
# with `slices=0` and `slices=10` against the stub Pyroscope with LATENCY_MS of latency and the
# profile cache off, each REQUESTS times one after another, in the same run. Prints the mean time of
# each and their ratio (goal: slices=10 within 3× of slices=0, since the parts are read at once).
#
# Needs python3 and a PostgreSQL server: DATABASE_ADMIN_URL (default
# postgres://postgres@127.0.0.1:5432/postgres). Env: REQUESTS (50), LATENCY_MS (20),
# NODES (2000). Traffic goes to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

REQUESTS=${REQUESTS:-50}
LATENCY_MS=${LATENCY_MS:-20}
NODES=${NODES:-2000}
ADMIN_URL=${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_NAME=pf_slices_bench
DB_URL="${ADMIN_URL%/*}/$DB_NAME"
STUB_PORT=18599
APP_PORT=18590
BASE=http://127.0.0.1:$APP_PORT

source scripts/bench-common.sh

fresh_db
APPS=10 NODES=$NODES LATENCY_MS=$LATENCY_MS python3 scripts/stub_pyroscope.py $STUB_PORT 2>/dev/null &
pids+=($!)
DATABASE_URL=$DB_URL PORT=$APP_PORT PYROSCOPE_URL=http://127.0.0.1:$STUB_PORT \
    APP__PYROSCOPE__CACHE_TTL_SECS=0 RUST_LOG=warn target/release/pyroscope-functions >/dev/null 2>&1 &
pids+=($!)
wait_ready "$BASE"

window="from=1700003600&to=1700007200&baselineFrom=1700000000&baselineTo=1700003600"
app=$(curl -s "$BASE/profiles/apps?from=1700000000&to=1700007200" | python3 -c 'import json,sys; print(json.load(sys.stdin)["apps"][0])')
mean() {
    local slices=$1 start end
    curl -sf "$BASE/diff/$app?$window&slices=$slices" >/dev/null # warm-up
    start=$(date +%s.%N)
    for _ in $(seq 1 "$REQUESTS"); do
        curl -sf "$BASE/diff/$app?$window&slices=$slices" >/dev/null
    done
    end=$(date +%s.%N)
    echo "scale=1; ($end - $start) * 1000 / $REQUESTS" | bc
}
off=$(mean 0)
on=$(mean 10)
echo "slices=0: $off ms per diff; slices=10: $on ms per diff; ratio $(echo "scale=2; $on / $off" | bc)"
drop_db
