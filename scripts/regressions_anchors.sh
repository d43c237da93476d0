#!/usr/bin/env bash
# The regression tests at many anchors (issue "Regressions measured as cost"): every
# time-dependent stub draws from offsets to an anchor the test fixes (its deploy time, taken
# from the wall clock), so the same test must see the same data, and pass, whenever it runs.
# Runs the detector's end-to-end tests RUNS times (20), each at a new anchor, and fails on the
# first failure. Env: RUNS (20), FILTER (the tests run: `regression` — every regression test of
# tests/api: found and delivered, rolled back, cost, settled, queries).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-20}
FILTER=${FILTER:-regression}
cargo test --quiet --no-run --test api
for run in $(seq 1 "$RUNS"); do
    anchor=$(date -u +%H:%M:%S)
    if out=$(cargo test --quiet --test api "$FILTER" 2>&1); then
        summary=$(grep -E '^test result' <<<"$out" | tail -1)
        echo "run $run at $anchor UTC: ${summary#test result: }"
    else
        echo "run $run at $anchor UTC: FAILED"
        echo "$out" | tail -40
        exit 1
    fi
done
echo "== $RUNS runs at $RUNS anchors: all passed"
