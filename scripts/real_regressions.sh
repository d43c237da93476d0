#!/usr/bin/env bash
# Regressions measured as cost (docs/regressions.md) on real processes under the real agents, with
# the detector's DEFAULT settings: which work increases it confirms, in how many of REPEATS runs,
# how soon (in slices), what costRatio it estimates against the true work ratio, whether a second
# increase after a settled regression is found, and how many false events unchanged processes that
# restart raise per process-hour.
#
# One service (all functions, its embedded PostgreSQL, pushes on its own disk, no demo apps)
# with 10-s slices, and real processes, each tests/agents/work_mix.py under pyroscope-io: four
# functions at SHARES (55 / 20 / 5 / 20 % of each round's CPU: large, medium, small, other),
# working DUTY of each round and sleeping the rest, so that a dozen processes fit on two cores;
# the agent samples on-CPU time only (but counts a thread waiting for a core as on-CPU). Every
# change is its own app, each phase a new process (a restart):
#   grid      rr-<function>-p<X>-<k> for function in GRID_FUNCTIONS, X in INCREASES and run
#             k = 1..REPEATS: version 1.0.0 for A_SECS, then a restart as 1.1.0 whose function
#             does X % more work per round, for B_SECS. The cells of one repetition run at once
#             (staggered by a second), the repetitions one after another. FOCUS_CELL
#             (large-p30) runs FOCUS_COPIES (2) times per repetition, so that REPEATS 5 give it
#             the 10 runs the "9 of 10" goal of the proof needs
#             (docs/performance.md#regressions-as-cost-on-real-processes).
#   settle    rr-settle-<function>-<k> for function in SETTLE_FUNCTIONS, k = 1..SETTLE_REPEATS
#             (one after another): 1.0.0 for A_SECS; 1.1.0 with +SETTLE_INCREASE % in the
#             function until its regression is settled (settle_slices after the confirmation);
#             then 1.2.0 with another +SETTLE_INCREASE % on top, for C_SECS: the second
#             regression must be confirmed too.
#   steady    rr-steady-<k>, k = 1..STEADY_APPS: version 1.0.0 all along, a restart every
#             RESTART_SECS (staggered), for STEADY_SECS: every confirmed event is a false one.
#             With NODE_STEADY=1 also rr-steady-node: tests/agents/work_mix.js under
#             @pyroscope/nodejs (type wall), the same shares and restarts.
# A poller keeps when each event of GET /regressions was first seen in each state; the workload
# writes each process's CPU seconds (STATS_FILE), from which the measured CPU ratio comes; at
# the end every app's /trends (all its functions, every slice) is kept for the noise analysis.
# tests/agents/real_regressions_report.py prints the tables (docs/performance.md).
#
# Settings: the detector's own defaults (config/default.toml: reference_slices 24,
# recent_slices 6, confirm_slices 3, fdr, min_delta_points, min_relative) unless a knob below is
# set; only what 10-s slices need is set here: slice_secs 10, lag_secs 15 (a push arrives when
# its 10-s window ends, up to 10 s after the slice holding its start closed:
# docs/agents.md#pushing-from-agents), types cpu (and wall with NODE_STEADY), backfill_hours 0, and
# settle_slices 30 (the least allowed, reference + recent). A_SECS: the detector needs reference +
# recent slices of an app before it tests anything: (24 + 6) slices + 40 s. B_SECS: MAX_DELAY_SLICES
# (15) slices to be confirmed in, and 3 more. SAMPLE_RATE 500 (the SDK's sample_rate; default 100):
# a process at DUTY 0.08 of a core gives 80 samples per 10-s push at 100 Hz, 4 of them in a 5 %
# function.
#
# Default run: about 45 minutes, 16 processes at once (1.6 cores). Exits non-zero only when
# the run itself failed.
# Env: BIN (a service binary; unset -> cargo build --release), OUT (kept, printed),
# SLICE_SECS (10), LAG_SECS (15), SETTLE_SLICES (30), and, unset = the default of
# config/default.toml: REFERENCE_SLICES, RECENT_SLICES, CONFIRM_SLICES, FDR, MIN_DELTA_POINTS,
# MIN_RELATIVE; REPEATS (5), GRID_FUNCTIONS ("large medium small"), INCREASES ("10 30 100"),
# FOCUS_CELL (large-p30), FOCUS_COPIES (2), MAX_DELAY_SLICES (15), A_SECS, B_SECS,
# SETTLE_FUNCTIONS ("medium large"), SETTLE_REPEATS (2), SETTLE_INCREASE (50), C_SECS (200),
# STEADY_APPS (3), STEADY_SECS (the grid's length, at least 1200), RESTART_SECS (150),
# NODE_STEADY (1), DUTY (0.08), SAMPLE_RATE (500),
# SHARE_LARGE / SHARE_MEDIUM / SHARE_SMALL / SHARE_OTHER (55 / 20 / 5 / 20).
set -euo pipefail
cd "$(dirname "$0")/.."

# A detector setting: the knob when set, else the default of config/default.toml.
default_of() { python3 -c "import tomllib; print(tomllib.load(open('config/default.toml', 'rb'))['watch']['$1'])"; }
SLICE_SECS=${SLICE_SECS:-10}
LAG_SECS=${LAG_SECS:-15}
SETTLE_SLICES=${SETTLE_SLICES:-30}
KNOBS=""
for knob in reference_slices recent_slices confirm_slices fdr min_delta_points min_relative; do
    var=${knob^^}
    if [[ -n ${!var:-} ]]; then
        KNOBS+="$knob = ${!var}"$'\n'
    else
        printf -v "$var" '%s' "$(default_of "$knob")"
    fi
done
REPEATS=${REPEATS:-5}
GRID_FUNCTIONS=${GRID_FUNCTIONS:-large medium small}
INCREASES=${INCREASES:-10 30 100}
FOCUS_CELL=${FOCUS_CELL:-large-p30}
FOCUS_COPIES=${FOCUS_COPIES:-2}
MAX_DELAY_SLICES=${MAX_DELAY_SLICES:-15}
A_SECS=${A_SECS:-$(((REFERENCE_SLICES + RECENT_SLICES) * SLICE_SECS + 40))}
B_SECS=${B_SECS:-$(((MAX_DELAY_SLICES + 3) * SLICE_SECS))}
SETTLE_FUNCTIONS=${SETTLE_FUNCTIONS-medium large}
SETTLE_REPEATS=${SETTLE_REPEATS:-2}
SETTLE_INCREASE=${SETTLE_INCREASE:-50}
C_SECS=${C_SECS:-200}
GRID_SECS=$((REPEATS * (A_SECS + B_SECS + 10)))
STEADY_APPS=${STEADY_APPS:-3}
STEADY_SECS=${STEADY_SECS:-$((GRID_SECS > 1200 ? GRID_SECS : 1200))}
RESTART_SECS=${RESTART_SECS:-150}
NODE_STEADY=${NODE_STEADY:-1}
export DUTY=${DUTY:-0.08} SAMPLE_RATE=${SAMPLE_RATE:-500}
export SHARE_LARGE=${SHARE_LARGE:-55} SHARE_MEDIUM=${SHARE_MEDIUM:-20} SHARE_SMALL=${SHARE_SMALL:-5} \
    SHARE_OTHER=${SHARE_OTHER:-20}
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
# WORKLOAD (default: the Python one) is the program run.
CHILD=""
timeline() {
    local app=$1 delay=$2 phase name version large medium small secs round stop_at
    local -a program=("$PYTHON" tests/agents/work_mix.py)
    if [[ -n ${WORKLOAD:-} ]]; then read -ra program <<<"$WORKLOAD"; fi
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
            STATS_FILE=$OUT/stats.jsonl "${program[@]}" \
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

# Phases of an unchanged app: version 1.0.0 for $1 s in all, a restart every RESTART_SECS, the
# first process running $2 s (staggering the restarts of several apps), rounds of $3 s.
steady_phases() {
    local left=$1 secs=$2 round=$3 n=0
    while ((left > 0)); do
        if ((secs > left)); then secs=$left; fi
        printf 'S%d:1.0.0:1:1:1:%d:%s\n' "$n" "$secs" "$round"
        left=$((left - secs))
        secs=$RESTART_SECS
        n=$((n + 1))
    done
}

mkdir -p "$OUT/logs"
: >"$OUT/phases.tsv"
: >"$OUT/seen.jsonl"
: >"$OUT/stats.jsonl"
PORT=$(free_port)
ADDRESS=http://127.0.0.1:$PORT
TYPES='"cpu"'
if [[ $NODE_STEADY == 1 ]]; then TYPES='"cpu", "wall"'; fi
# watch.types is a list: set by a config file (the environment gives scalars only). The
# detector's settings not set here are config/default.toml's.
cat >"$OUT/real.toml" <<EOF
[watch]
slice_secs = $SLICE_SECS
lag_secs = $LAG_SECS
types = [$TYPES]
backfill_hours = 0
settle_slices = $SETTLE_SLICES
$KNOBS
EOF
# What the report needs: the settings in force and the design.
python3 - "$OUT/run.json" <<EOF
import json, sys
json.dump({
    "sliceSecs": $SLICE_SECS, "lagSecs": $LAG_SECS, "referenceSlices": $REFERENCE_SLICES,
    "recentSlices": $RECENT_SLICES, "confirmSlices": $CONFIRM_SLICES, "fdr": $FDR,
    "minDeltaPoints": $MIN_DELTA_POINTS, "minRelative": $MIN_RELATIVE,
    "settleSlices": $SETTLE_SLICES, "maxDelaySlices": $MAX_DELAY_SLICES,
    "knobsSet": """$KNOBS""".split("\n")[:-1],
    "shares": {"large": $SHARE_LARGE / 100, "medium": $SHARE_MEDIUM / 100,
               "small": $SHARE_SMALL / 100, "other": $SHARE_OTHER / 100},
    "repeats": $REPEATS, "focusCell": "$FOCUS_CELL", "focusCopies": $FOCUS_COPIES,
    "aSecs": $A_SECS, "bSecs": $B_SECS, "cSecs": $C_SECS, "duty": $DUTY,
    "sampleRate": $SAMPLE_RATE, "steadySecs": $STEADY_SECS, "restartSecs": $RESTART_SECS,
}, open(sys.argv[1], "w"), indent=1)
EOF
log "service on $ADDRESS, files in $OUT; detector: reference $REFERENCE_SLICES, recent $RECENT_SLICES, confirm $CONFIRM_SLICES, fdr $FDR, min_delta_points $MIN_DELTA_POINTS, min_relative $MIN_RELATIVE"
start_service "$OUT" "$OUT/real.toml" "$PORT"
poll_events "$ADDRESS" "$OUT/seen.jsonl" &
POLLER_PID=$!
# The machine's load, every 10 s: the agent counts waiting for a core as on-CPU time.
while true; do
    printf '%s\t%s\n' "$(date +%s)" "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/load.tsv"
    sleep 10
done &
MONITOR_PIDS+=("$!")

for ((rep = 0; rep < REPEATS; rep++)); do
    stagger=0
    for function in $GRID_FUNCTIONS; do
        for increase in $INCREASES; do
            copies=1
            if [[ $function-p$increase == "$FOCUS_CELL" ]]; then copies=$FOCUS_COPIES; fi
            for ((c = 1; c <= copies; c++)); do
                timeline "rr-$function-p$increase-$((rep * copies + c))" \
                    $((rep * (A_SECS + B_SECS + 10) + stagger)) \
                    "A:1.0.0:1:1:1:$A_SECS:0.5" \
                    "B:1.1.0:$(factors "$function" "$(factor "$increase")"):$B_SECS:0.5" &
                AGENT_PIDS+=("$!")
                stagger=$((stagger + 1))
            done
        done
    done
done
settle_max=$(((RECENT_SLICES + CONFIRM_SLICES + SETTLE_SLICES + 15) * SLICE_SECS + LAG_SECS))
for function in $SETTLE_FUNCTIONS; do
    (
        for ((k = 1; k <= SETTLE_REPEATS; k++)); do
            timeline "rr-settle-$function-$k" 0 \
                "A:1.0.0:1:1:1:$A_SECS:0.5" \
                "B:1.1.0:$(factors "$function" "$(factor "$SETTLE_INCREASE")"):$settle_max:0.5:settled" \
                "C:1.2.0:$(factors "$function" "$(factor "$SETTLE_INCREASE" 2)"):$C_SECS:0.5"
        done
    ) &
    AGENT_PIDS+=("$!")
done
rounds=(0.5 0.3 0.7)
for ((k = 1; k <= STEADY_APPS; k++)); do
    # Staggered restarts: app k's first process runs k/STEADY_APPS of RESTART_SECS.
    mapfile -t phases < <(steady_phases "$STEADY_SECS" $((RESTART_SECS * k / STEADY_APPS)) \
        "${rounds[$(((k - 1) % 3))]}")
    timeline "rr-steady-$k" 0 "${phases[@]}" &
    AGENT_PIDS+=("$!")
done
if [[ $NODE_STEADY == 1 ]]; then
    mapfile -t phases < <(steady_phases "$STEADY_SECS" $((RESTART_SECS / 2 + 7)) 0.5)
    WORKLOAD="node tests/agents/work_mix.js" timeline rr-steady-node 0 "${phases[@]}" &
    AGENT_PIDS+=("$!")
fi
log "$REPEATS repetitions of $(wc -w <<<"$GRID_FUNCTIONS") x $(wc -w <<<"$INCREASES") cells ($FOCUS_CELL x $FOCUS_COPIES), ${GRID_SECS} s; settle apps: $SETTLE_FUNCTIONS x $SETTLE_REPEATS; $STEADY_APPS steady apps (node: $NODE_STEADY) for ${STEADY_SECS} s"

for pid in "${AGENT_PIDS[@]}"; do wait "$pid" || true; done
AGENT_PIDS=()
printf '%s\t%s\t-\t-\t-\t-\t%s\n' - end "$(date +%s.%N)" >>"$OUT/phases.tsv"
# The last slices are summarized lag_secs after they end; then one more poll.
tail_secs=$((LAG_SECS + 2 * SLICE_SECS + 4))
log "processes done; waiting ${tail_secs} s for the last slices"
sleep "$tail_secs"
curl -sf "$ADDRESS/regressions?limit=1000" >"$OUT/regressions.json"
now=$(date +%s)
from=$(cut -f7 "$OUT/phases.tsv" | sort -n | head -1 | cut -d. -f1)
cut -f1 "$OUT/phases.tsv" | sort -u | grep -v '^-$' | while read -r app; do
    type=cpu
    if [[ $app == *-node ]]; then type=wall; fi
    curl -sf "$ADDRESS/trends/$app?type=$type&limit=100&from=$((from - 60))&to=$now" \
        >"$OUT/trends-$app.json" || true
done
stop_all

python3 tests/agents/real_regressions_report.py "$OUT" | tee "$OUT/report.md"
log "files: $OUT"
