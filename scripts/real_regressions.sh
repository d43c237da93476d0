#!/usr/bin/env bash
# Regressions measured as cost (SPEC §19) on real processes under the real Python agent: which
# work increases the rule-free detector finds, how soon, what costRatio it estimates against the
# true work ratio, whether a second increase after a settled regression is found, and how many
# false alarms restarts that change nothing raise per process-hour.
#
# One service (all functions, its embedded PostgreSQL, pushes on its own disk, no demo apps) with
# 10-s slices and shortened windows, and real processes, each tests/agents/work_mix.py under
# pyroscope-io: four functions at 60 / 30 / 5 / 5 % of each round's CPU (large, medium, small,
# other), working DUTY of each round and sleeping the rest, so that a dozen processes fit on
# two cores; the agent samples on-CPU time only, so the shares are those of the work. Every
# change is its own app, each phase a new process (a restart):
#   grid      rr-<function>-p<X> for function in GRID_FUNCTIONS and X in INCREASES: version
#             1.0.0 for A_SECS, then a restart as 1.1.0 whose function does X % more work per
#             round, for B_SECS. One group of apps per function, the groups one after another
#             (three processes at a time).
#   settle    rr-settle-<function> for function in SETTLE_FUNCTIONS: 1.0.0 for A_SECS; 1.1.0
#             with +SETTLE_INCREASE % in the function until its regression is settled
#             (settle_slices after the confirmation); then 1.2.0 with another +SETTLE_INCREASE %
#             on top, for C_SECS: the second regression must be confirmed too.
#   steady    rr-steady-<k>, k = 1..STEADY_APPS: version 1.0.0 all along, a restart every
#             RESTART_SECS (staggered), for STEADY_SECS: every confirmed event is a false alarm.
# A poller keeps when each event of GET /regressions was first seen in each state; the workload
# writes each process's CPU seconds (STATS_FILE), from which the measured CPU ratio comes.
# tests/agents/real_regressions_report.py prints the tables (docs/performance.md).
#
# Why these settings: the detector needs reference + recent slices (200 s) of an app before it
# tests anything, so A lasts 220 s; a deploy is confirmed recent + confirm = 10 slices after its
# change point at the earliest, so B lasts 150 s. On this shared 2-core machine the agent counts
# time spent waiting for a core as on-CPU, and a function's share wanders by 2-4 points from one
# 10-s slice to the next: 8 recent and 12 reference slices rather than 5 and 6 make a 6-point
# step stand out of that (Welch's t about 4 at a 3-point slice-to-slice sd). settle_slices may
# not be below reference + recent (20). SETTLE_INCREASE 50: the settle test is about the
# second regression, so both steps are large (about 9 points). SAMPLE_RATE 500 (the SDK's
# sample_rate; default 100): a process at DUTY 0.08 of a core gives 80 samples per 10-s push at
# 100 Hz, 4 of them in a 5 % function. fdr, min_delta_points and min_relative: the defaults.
#
# Default run: about 27 minutes. Exits non-zero only when the run itself failed.
# Env: BIN (a service binary; unset -> cargo build --release), OUT (kept, printed),
# SLICE_SECS (10), LAG_SECS (15), REFERENCE_SLICES (12), RECENT_SLICES (8), CONFIRM_SLICES (2),
# SETTLE_SLICES (20), FDR (0.01), MIN_DELTA_POINTS (1.0), MIN_RELATIVE (0.2),
# GRID_FUNCTIONS ("large medium small"), INCREASES ("10 30 100"), A_SECS (220), B_SECS (150),
# SETTLE_FUNCTIONS ("medium large"), SETTLE_INCREASE (50), C_SECS (170), STEADY_APPS (3),
# STEADY_SECS (1500), RESTART_SECS (150), DUTY (0.08), SAMPLE_RATE (500).
set -euo pipefail
cd "$(dirname "$0")/.."

SLICE_SECS=${SLICE_SECS:-10}
LAG_SECS=${LAG_SECS:-15}
REFERENCE_SLICES=${REFERENCE_SLICES:-12}
RECENT_SLICES=${RECENT_SLICES:-8}
CONFIRM_SLICES=${CONFIRM_SLICES:-2}
SETTLE_SLICES=${SETTLE_SLICES:-20}
FDR=${FDR:-0.01}
MIN_DELTA_POINTS=${MIN_DELTA_POINTS:-1.0}
MIN_RELATIVE=${MIN_RELATIVE:-0.2}
GRID_FUNCTIONS=${GRID_FUNCTIONS:-large medium small}
INCREASES=${INCREASES:-10 30 100}
A_SECS=${A_SECS:-220}
B_SECS=${B_SECS:-150}
SETTLE_FUNCTIONS=${SETTLE_FUNCTIONS:-medium large}
SETTLE_INCREASE=${SETTLE_INCREASE:-50}
C_SECS=${C_SECS:-170}
STEADY_APPS=${STEADY_APPS:-3}
STEADY_SECS=${STEADY_SECS:-1500}
RESTART_SECS=${RESTART_SECS:-150}
export DUTY=${DUTY:-0.08} SAMPLE_RATE=${SAMPLE_RATE:-500}
OUT=${OUT:-$(mktemp -d /tmp/real-regressions.XXXXXX)}

# log, die, stop_all (trapped on exit), prepare_binary_and_agents, free_port, start_service,
# poll_events.
# shellcheck source=scripts/lib/agents.sh
source scripts/lib/agents.sh
prepare_binary_and_agents

# The factor of X % more work, twice over when $2 is 2.
factor() { python3 -c "print(round((1 + $1 / 100) ** ${2:-1}, 4))"; }

# large:medium:small factors with $2 on function $1 and 1 elsewhere.
factors() {
    case $1 in
    large) echo "$2:1:1" ;;
    medium) echo "1:$2:1" ;;
    small) echo "1:1:$2" ;;
    *) die "unknown function $1 (large, medium or small)" ;;
    esac
}

settled() {
    curl -sf "$ADDRESS/regressions?appName=$1&state=settled" 2>/dev/null \
        | jq -e '.regressions | length > 0' >/dev/null 2>&1
}

# One app's life, in the background: after $2 s, each phase NAME:VERSION:L:M:S:SECS:ROUND[:settled]
# as a new process (a restart) running SECS s, or, with `settled`, until the app has a settled
# regression (SECS at most). SIGTERM stops the running process, which flushes its last upload.
CHILD=""
timeline() {
    local app=$1 delay=$2 phase name version large medium small secs round stop_at
    shift 2
    trap 'if [[ -n $CHILD ]]; then kill -TERM "$CHILD" 2>/dev/null; wait "$CHILD"; fi; exit 0' TERM
    sleep "$delay" &
    CHILD=$!
    wait "$CHILD"
    for phase in "$@"; do
        IFS=: read -r name version large medium small secs round stop_at <<<"$phase"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$app" "$name" "$version" "$large" "$medium" \
            "$small" "$(date +%s.%N)" >>"$OUT/phases.tsv"
        SERVER_ADDRESS=$ADDRESS APP_NAME=$app APP_VERSION=$version DURATION_SECS=$secs \
            FACTOR_LARGE=$large FACTOR_MEDIUM=$medium FACTOR_SMALL=$small ROUND_SECS=$round \
            STATS_FILE=$OUT/stats.jsonl "$PYTHON" tests/agents/work_mix.py \
            >>"$OUT/logs/$app.log" 2>&1 &
        CHILD=$!
        if [[ $stop_at == settled ]]; then
            while kill -0 "$CHILD" 2>/dev/null && ! settled "$app"; do sleep 3; done
            kill -TERM "$CHILD" 2>/dev/null || true
        fi
        wait "$CHILD" || log "$app $name exited with an error (see $OUT/logs/$app.log)"
        CHILD=""
    done
}

mkdir -p "$OUT/logs"
: >"$OUT/phases.tsv"
: >"$OUT/seen.jsonl"
: >"$OUT/stats.jsonl"
PORT=$(free_port)
ADDRESS=http://127.0.0.1:$PORT
# watch.types is a list: set by a config file (the environment gives scalars only).
cat >"$OUT/real.toml" <<EOF
[watch]
slice_secs = $SLICE_SECS
lag_secs = $LAG_SECS
types = ["cpu"]
backfill_hours = 0
reference_slices = $REFERENCE_SLICES
recent_slices = $RECENT_SLICES
confirm_slices = $CONFIRM_SLICES
settle_slices = $SETTLE_SLICES
fdr = $FDR
min_delta_points = $MIN_DELTA_POINTS
min_relative = $MIN_RELATIVE
EOF
log "service on $ADDRESS, files in $OUT"
start_service "$OUT" "$OUT/real.toml" "$PORT"
poll_events "$ADDRESS" "$OUT/seen.jsonl" &
POLLER_PID=$!
# The machine's load, every 10 s: the agent counts waiting for a core as on-CPU time.
while true; do
    printf '%s\t%s\n' "$(date +%s)" "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/load.tsv"
    sleep 10
done &
MONITOR_PIDS+=("$!")

group=0
for function in $GRID_FUNCTIONS; do
    for increase in $INCREASES; do
        timeline "rr-$function-p$increase" $((group * (A_SECS + B_SECS + 5))) \
            "A:1.0.0:1:1:1:$A_SECS:0.5" \
            "B:1.1.0:$(factors "$function" "$(factor "$increase")"):$B_SECS:0.5" &
        AGENT_PIDS+=("$!")
    done
    group=$((group + 1))
done
settle_max=$(((RECENT_SLICES + CONFIRM_SLICES + SETTLE_SLICES + 10) * SLICE_SECS + LAG_SECS))
for function in $SETTLE_FUNCTIONS; do
    timeline "rr-settle-$function" 0 \
        "A:1.0.0:1:1:1:$A_SECS:0.5" \
        "B:1.1.0:$(factors "$function" "$(factor "$SETTLE_INCREASE")"):$settle_max:0.5:settled" \
        "C:1.2.0:$(factors "$function" "$(factor "$SETTLE_INCREASE" 2)"):$C_SECS:0.5" &
    AGENT_PIDS+=("$!")
done
rounds=(0.5 0.3 0.7)
for ((k = 1; k <= STEADY_APPS; k++)); do
    # Staggered restarts: app k's first process runs k/STEADY_APPS of RESTART_SECS.
    phases=()
    first=$((RESTART_SECS * k / STEADY_APPS))
    left=$STEADY_SECS
    secs=$first
    while ((left > 0)); do
        if ((secs > left)); then secs=$left; fi
        phases+=("S${#phases[@]}:1.0.0:1:1:1:$secs:${rounds[$(((k - 1) % 3))]}")
        left=$((left - secs))
        secs=$RESTART_SECS
    done
    timeline "rr-steady-$k" 0 "${phases[@]}" &
    AGENT_PIDS+=("$!")
done
log "$(wc -w <<<"$GRID_FUNCTIONS") grid groups, settle apps: $SETTLE_FUNCTIONS, $STEADY_APPS steady apps for ${STEADY_SECS} s"

for pid in "${AGENT_PIDS[@]}"; do wait "$pid" || true; done
AGENT_PIDS=()
printf '%s\t%s\t-\t-\t-\t-\t%s\n' - end "$(date +%s.%N)" >>"$OUT/phases.tsv"
# The last slices are summarized lag_secs after they end; then one more poll.
tail_secs=$((LAG_SECS + 2 * SLICE_SECS + 4))
log "processes done; waiting ${tail_secs} s for the last slices"
sleep "$tail_secs"
curl -sf "$ADDRESS/regressions?limit=1000" >"$OUT/regressions.json"
now=$(date +%s)
cut -f1 "$OUT/phases.tsv" | sort -u | grep -v '^-$' | while read -r app; do
    curl -sf "$ADDRESS/trends/$app?type=cpu&limit=10&from=$((now - 7200))&to=$now" \
        >"$OUT/trends-$app.json" || true
done
stop_all

python3 tests/agents/real_regressions_report.py "$OUT" "$SLICE_SECS" "$REFERENCE_SLICES" \
    "$RECENT_SLICES" "$MIN_DELTA_POINTS" "$MIN_RELATIVE" | tee "$OUT/report.md"
log "files: $OUT"
