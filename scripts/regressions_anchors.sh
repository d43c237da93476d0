#!/usr/bin/env bash
# The regression tests at many anchors (issue "Regressions measured as cost"): every
# time-dependent stub draws from offsets to an anchor the test fixes (its deploy time, taken
# from the wall clock), so the same test must see the same data, and pass, whenever it runs.
# Runs the detector's end-to-end tests RUNS times (20), each at a new anchor, and fails on the
# first failure. Env: RUNS (20), FILTER (the tests run: `regression` — every regression test of
# tests/api: found and delivered, rolled back, cost, settled, queries), SPREAD (0; 1: before
# each run, wait until the slice the tests anchor to differs from the previous run's, so that
# the RUNS runs stand at RUNS distinct anchors; 20 runs then take about 100 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-20}
FILTER=${FILTER:-regression}
SPREAD=${SPREAD:-0}
SLICE=300
cargo test --quiet --no-run --test api
last_slice=""
for run in $(seq 1 "$RUNS"); do
    if [[ $SPREAD == 1 ]]; then
        # The tests anchor their deploy to the slice that ended a minute ago (backfilled_to).
        while [[ $(( ($(date +%s) - 60) / SLICE )) == "$last_slice" ]]; do sleep 5; done
        last_slice=$(( ($(date +%s) - 60) / SLICE ))
    fi
    # The slice the run's tests anchor to (backfilled_to): its deploy is 90 or 120 min before.
    anchor=$(date -u -d "@$(( ($(date +%s) - 60) / SLICE * SLICE ))" +%H:%M)
    if out=$(cargo test --quiet --test api "$FILTER" 2>&1); then
        summary=$(grep -E '^test result' <<<"$out" | tail -1)
        echo "run $run anchored at $anchor UTC ($(date -u +%H:%M:%S)): ${summary#test result: }"
    else
        echo "run $run anchored at $anchor UTC ($(date -u +%H:%M:%S)): FAILED"
        mkdir -p target
        echo "$out" >target/regressions_anchors_failed.log
        grep -v -E '^ +([0-9]+: |at )' <<<"$out" | tail -60
        echo "(the whole output: target/regressions_anchors_failed.log)"
        exit 1
    fi
done
echo "== $RUNS runs at $RUNS anchors: all passed"
