#!/usr/bin/env bash
# End to end on real processes under their real agents (docs/regressions.md, docs/agents.md): does
# the rule-free regression detector find a deploy that makes one function a few points more
# expensive, and does it stay quiet on restarts that change nothing?
#
# Each run starts the service (all functions, its embedded PostgreSQL, pushes kept on its own
# disk, no demo apps) with 10-s slices and a shortened detector, and two real processes at once:
#   exp-py    tests/agents/busy.py under pyroscope-io (Connect push, profile type cpu)
#   exp-node  tests/agents/busy.js under @pyroscope/nodejs (/ingest, profile type wall)
# through four phases, each a fresh process (the previous one exits, flushing its last upload,
# and the next starts at once, as a rolling restart would):
#   A   version A, steady: fills the reference window; the detector examines it
#   A'  restart, same version A, same code            -> must confirm nothing
#   B   restart as version B: busy_beta_sorting / busyBetaSorting spends EXTRA_BETA_MS more per
#       round (Python: +9.5 points of cpu, 33 % -> 43 %; Node: about +9 points of wall in the
#       function's own frame, 13 % -> 22 %)   -> must be confirmed, with version {before: A, after: B}
#   B'  restart, same version B, same code            -> must confirm nothing new
# A poller records every event of GET /regressions with the wall-clock time it was first seen
# in each state. Measured, per app and run:
#   detection delay = end of the confirming slice (confirmedAt + one slice) - B's start, and
#                     when the poller saw it - B's start, in seconds and in slices;
#   false alarms    = events confirmed whose change point is in A, A' or B', or that name a
#                     function other than the shifted one (suspected and went-away events are
#                     listed too, but are not alarms: they are never delivered).
# Why these settings: the detector needs reference + recent slices of history (110 s) before
# it tests anything, so A lasts 120 s and A' is examined with a full reference. Node's wall
# summaries keep 30-50 functions whose shares swing by points from slice to slice, and
# Benjamini-Hochberg at fdr 0.01 over ~50 functions asks p <= 2e-4 of the top one: with 3
# recent slices (Welch df ~3) a +9-point step reached p = 2.3e-3 at best in a trial run, never
# suspected, while Python was confirmed; with 5 the same data give p = 3.8e-7 (t = 13.5).
# confirm_slices 2 keeps the delay short; fdr, min_delta_points, min_relative: the defaults.
#
# Exits non-zero when, in any run, a regression was not confirmed or a false alarm was.
#
# Env: BIN (a service binary; unset -> cargo build --release), RUNS (2), SLICE_SECS (10),
# LAG_SECS (15), REFERENCE_SLICES (6), RECENT_SLICES (5), CONFIRM_SLICES (2), A_SECS (120),
# A2_SECS (90), B_SECS (130), B2_SECS (100), EXTRA_BETA_MS_PY (50), EXTRA_BETA_MS_JS (10),
# OUT (where each run's files are kept; default a temporary directory, kept and printed).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

RUNS=${RUNS:-2}
SLICE_SECS=${SLICE_SECS:-10}
LAG_SECS=${LAG_SECS:-15}
REFERENCE_SLICES=${REFERENCE_SLICES:-6}
RECENT_SLICES=${RECENT_SLICES:-5}
CONFIRM_SLICES=${CONFIRM_SLICES:-2}
A_SECS=${A_SECS:-120}
A2_SECS=${A2_SECS:-90}
B_SECS=${B_SECS:-130}
B2_SECS=${B2_SECS:-100}
# Python rounds are 200 ms alpha + 100 ms beta: +50 ms of the same sorting moves beta from 1/3
# to 3/7 of the cpu (+9.5 points). Node rounds are 40 + 20 ms, and a third of its wall time is
# the garbage collector's: +10 ms of allocation-free arithmetic in busyBetaSorting's own frame
# takes its self share from about 13 % to about 22 %. Beta rather than
# alpha: at 67 % of Python's cpu, alpha would need +13.3 points to pass min_relative (0.2 x its
# share; the cost ratio of docs/regressions.md, not in this build, would lower that).
EXTRA_BETA_MS_PY=${EXTRA_BETA_MS_PY:-50}
EXTRA_BETA_MS_JS=${EXTRA_BETA_MS_JS:-10}
OUT=${OUT:-$(mktemp -d /tmp/agents-experiment.XXXXXX)}
PY_APP=exp-py
JS_APP=exp-node

# log, die, stop_all (trapped on exit), prepare_binary_and_agents, free_port, start_service,
# poll_events.
# shellcheck source=scripts/lib/agents.sh
source scripts/lib/agents.sh
prepare_binary_and_agents

# Starts one phase: both busy scripts, as version $1 with $2 / $3 extra beta ms, for $4 s.
start_phase() {
    local name=$1 version=$2 extra_py=$3 extra_js=$4 secs=$5 dir=$6 address=$7
    printf '%s\t%s\t%s\n' "$name" "$version" "$(date +%s.%N)" >>"$dir/phases.tsv"
    SERVER_ADDRESS=$address APP_NAME=$PY_APP APP_VERSION=$version DURATION_SECS=$secs \
        EXTRA_BETA_MS=$extra_py "$PYTHON" tests/agents/busy.py >>"$dir/agent-py.log" 2>&1 &
    AGENT_PIDS+=("$!")
    SERVER_ADDRESS=$address APP_NAME=$JS_APP APP_VERSION=$version DURATION_SECS=$secs \
        EXTRA_BETA_MS=$extra_js node tests/agents/busy.js >>"$dir/agent-node.log" 2>&1 &
    AGENT_PIDS+=("$!")
    log "phase $name: version $version (extra beta ${extra_py} ms py, ${extra_js} ms node) for ${secs} s"
}

# Waits for the phase's processes to exit by themselves (each flushes its last upload).
end_phase() {
    local pid
    for pid in "${AGENT_PIDS[@]}"; do
        wait "$pid" || die "an agent exited with an error (see $1/agent-*.log)"
    done
    AGENT_PIDS=()
}

run_once() {
    local run=$1 dir=$OUT/run-$1 port address
    mkdir -p "$dir"
    : >"$dir/phases.tsv"
    : >"$dir/seen.jsonl"
    port=$(free_port)
    address=http://127.0.0.1:$port
    # watch.types is a list: set by a config file (the environment gives scalars only).
    cat >"$dir/experiment.toml" <<EOF
[watch]
slice_secs = $SLICE_SECS
lag_secs = $LAG_SECS
types = ["cpu", "wall"]
backfill_hours = 0
reference_slices = $REFERENCE_SLICES
recent_slices = $RECENT_SLICES
confirm_slices = $CONFIRM_SLICES
EOF
    log "run $run: service on $address, files in $dir"
    start_service "$dir" "$dir/experiment.toml" "$port"

    poll_events "$address" "$dir/seen.jsonl" &
    POLLER_PID=$!

    start_phase A 1.0.0 0 0 "$A_SECS" "$dir" "$address"
    end_phase "$dir"
    start_phase "A'" 1.0.0 0 0 "$A2_SECS" "$dir" "$address"
    end_phase "$dir"
    start_phase B 1.1.0 "$EXTRA_BETA_MS_PY" "$EXTRA_BETA_MS_JS" "$B_SECS" "$dir" "$address"
    end_phase "$dir"
    start_phase "B'" 1.1.0 "$EXTRA_BETA_MS_PY" "$EXTRA_BETA_MS_JS" "$B2_SECS" "$dir" "$address"
    end_phase "$dir"
    printf '%s\t%s\t%s\n' end - "$(date +%s.%N)" >>"$dir/phases.tsv"
    # The last slices are summarized lag_secs after they end; then one more poll.
    local tail=$((LAG_SECS + 2 * SLICE_SECS + 4))
    log "agents done; waiting ${tail} s for the last slices"
    sleep "$tail"

    curl -sf "$address/regressions?limit=500" >"$dir/regressions.json"
    for app in "$PY_APP" "$JS_APP"; do
        local type=cpu
        [[ $app == "$JS_APP" ]] && type=wall
        curl -sf "$address/trends/$app?type=$type&limit=6&from=$(($(date +%s) - 3600))&to=$(date +%s)" \
            >"$dir/trends-$app.json" || true
    done
    stop_all
}

log "output: $OUT"
status=0
for ((run = 1; run <= RUNS; run++)); do
    run_once "$run"
done
for ((run = 1; run <= RUNS; run++)); do
    python3 tests/agents/experiment_report.py "$OUT/run-$run" "$run" "$SLICE_SECS" \
        "$PY_APP=busy_beta_sorting" "$JS_APP=busyBetaSorting" || status=1
done
log "files of every run: $OUT"
if ((status != 0)); then
    log "FAILED: a regression was not confirmed, or a false alarm was"
fi
exit "$status"
