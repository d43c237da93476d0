#!/usr/bin/env bash
# One evaluation of RULES alert rules over APPS apps (docs/alerting.md) against the stub Pyroscope
# with LATENCY_MS of latency: how many profile queries it makes (goal: one per app and type) and how
# long it takes (goal: under 5 s). Prints both; the figures go to docs/performance.md by hand.
#
# Needs python3 and a PostgreSQL server: DATABASE_ADMIN_URL (default
# postgres://postgres@127.0.0.1:5432/postgres). Env: RULES (1000), APPS (100), LATENCY_MS (20).
set -euo pipefail
cd "$(dirname "$0")/.."

RULES=${RULES:-1000}
APPS=${APPS:-100}
LATENCY_MS=${LATENCY_MS:-20}
ADMIN_URL=${DATABASE_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB_NAME=pf_alerts_bench
DB_URL="${ADMIN_URL%/*}/$DB_NAME"
STUB_PORT=18399
APP_PORT=18390
INTERVAL=20
BASE=http://127.0.0.1:$APP_PORT

source scripts/bench-common.sh

fresh_db
APPS=$APPS NODES=2000 LATENCY_MS=$LATENCY_MS python3 scripts/stub_pyroscope.py $STUB_PORT 2>/dev/null &
pids+=($!)
DATABASE_URL=$DB_URL PORT=$APP_PORT PYROSCOPE_URL=http://127.0.0.1:$STUB_PORT \
    APP__ALERTS__INTERVAL_SECS=$INTERVAL APP__PYROSCOPE__CACHE_TTL_SECS=0 RUST_LOG=warn \
    target/release/pyroscope-functions >/dev/null 2>&1 &
pids+=($!)
wait_ready "$BASE"

# RULES rules, spread evenly over the apps, the three value kinds in turn.
python3 - "$BASE" "$RULES" "$APPS" <<'PY'
import json, sys, urllib.request
base, rules, apps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
patterns = [None, "diagnosis:gc_pressure", "HashMap"]
for i in range(rules):
    body = {"appName": f"app-{i % apps:03d}", "profileType": "cpu", "thresholdPercent": 50,
            "functionPattern": patterns[i % 3]}
    req = urllib.request.Request(f"{base}/rules", json.dumps(body).encode(),
                                 {"content-type": "application/json"})
    urllib.request.urlopen(req).read()
PY

# The evaluation after the rules exist: wait for a run that saw all of them.
curl -s -XPOST "http://127.0.0.1:$STUB_PORT/__reset" >/dev/null
for _ in $(seq 1 $((INTERVAL * 20 + 200))); do
    seen=$(curl -s "$BASE/health" | python3 -c 'import json,sys; d=json.load(sys.stdin)["checks"]["alertEvaluator"].get("details") or {}; print(d.get("evaluated", 0), d.get("profileReads", 0), d.get("durationMs", 0))')
    set -- $seen
    [ "$1" -ge "$RULES" ] && break
    sleep 0.1
done
queries=$(curl -s "http://127.0.0.1:$STUB_PORT/__calls")
echo "rules evaluated: $1, profile reads: $2, stub profile queries: $queries, wall time: $3 ms"
