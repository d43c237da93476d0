#!/usr/bin/env bash
# A step that stays is confirmed, live (docs/regressions.md, reported in docs/performance.md):
# a real Go program (tests/runtimes/steps/go) built at two commits of a git repository this
# script makes — c3, between them, triples the work of `compile` (about 9 % of the CPU before,
# 24 % after) — runs as a service runs under an agent: one process, one CPU profile per 10 s
# from runtime/pprof, each window starting where the last ended (never on a slice boundary:
# the windows drift against the service's 10-s slices, so some slices hold no profile and some
# two). Each profile is pushed to /ingest as it appears, with `service_git_ref`,
# `service_repository` and `version`, its from/until taken from the profile's own window.
# c1 runs A_SECS, then c4 (the deploy) B_SECS; then up to WAIT_SECS for the regression to be
# confirmed with c3 named first.
#
# RUNS runs in all, PARALLEL of them at once (staggered by a few seconds, so each meets the
# slice grid at its own phase); LOAD=1 adds a busy process on the cores for the whole time.
# Per run: confirmed or not, the change point against the deploy, the first suspect and its
# score, every event of `main.compile`; the watcher's own record of every run (the slices it
# summarized, as /trends lists them) is kept in $OUT/<app>.trend.json for a replay.
#
# Env: BIN (a service binary; unset -> cargo build --release), OUT (kept, printed), RUNS (20),
# PARALLEL (1), LOAD (0), A_SECS (130), B_SECS (90), WAIT_SECS (90), PERIOD (10).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/agents.sh
source scripts/lib/agents.sh

RUNS=${RUNS:-20}
PARALLEL=${PARALLEL:-1}
LOAD=${LOAD:-0}
A_SECS=${A_SECS:-130}
B_SECS=${B_SECS:-90}
WAIT_SECS=${WAIT_SECS:-90}
PERIOD=${PERIOD:-10}
OUT=${OUT:-$(mktemp -d -t lasting-steps.XXXXXX)}
if [[ -z ${BIN:-} ]]; then
    log "cargo build --release"
    cargo build --release
    BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/pyroscope-functions
fi
for tool in go git jq curl python3; do
    command -v "$tool" >/dev/null || die "$tool not found"
done

# --- the repository and the two builds -------------------------------------------------------
REPO=$OUT/steps-go
BUILD=$OUT/build
mkdir -p "$REPO" "$BUILD"
gitc() {
    GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null git -C "$REPO" -c user.name=Dev \
        -c user.email=dev@example.com -c init.defaultBranch=main -c commit.gpgsign=false "$@"
}
gitc init -q
cp tests/runtimes/steps/go/* "$REPO/"
commit() { gitc add -A && gitc commit -q -m "$1" && gitc rev-parse HEAD; }
C1=$(commit "Serve requests: parse, compile and render each one")
printf '# steps\n\nParses, compiles and renders requests.\n' >"$REPO/README.md"
commit "Add a README" >/dev/null
sed -i 's/pass < 1; pass++/pass < 3; pass++/' "$REPO/compile.go"
grep -q 'pass < 3' "$REPO/compile.go" || die "the culprit's edit did not apply"
CULPRIT=$(commit "Compile every plan three times, to check it")
sed -i 's|// parse folds the request.s key into a checksum.|// parse folds the key into a checksum for the access log.|' "$REPO/handle.go"
C4=$(commit "Say what parse's checksum is for")
for side in a b; do
    ref=$C1
    [[ $side == b ]] && ref=$C4
    rm -rf "$BUILD" && mkdir -p "$BUILD"
    gitc archive "$ref" | tar -x -C "$BUILD"
    (cd "$BUILD" && GOFLAGS=-mod=mod GOPROXY=off CGO_ENABLED=0 go build -buildvcs=false -o "$OUT/steps-$side" .)
done
log "repository $REPO: $C1 .. $C4, culprit $CULPRIT"

# --- the service -----------------------------------------------------------------------------
PORT=$(free_port)
ADDRESS=http://127.0.0.1:$PORT
{
    printf '[watch]\nslice_secs = 10\nlag_secs = 15\ntypes = ["cpu"]\nbackfill_hours = 0\n'
    printf 'reference_slices = 8\nrecent_slices = 3\nconfirm_slices = 2\n\n[repositories.dirs]\n'
    for k in $(seq 1 "$RUNS"); do printf '"steps-%s" = "%s"\n' "$k" "$REPO"; done
} >"$OUT/steps.toml"
start_service "$OUT" "$OUT/steps.toml" "$PORT"
poll_events "$ADDRESS" "$OUT/seen.jsonl" &
POLLER_PID=$!
log "service on $ADDRESS, files in $OUT"
if [[ $LOAD == 1 ]]; then
    # A second process on the cores: a busy loop at the lowest priority nobody asked for.
    python3 -c 'while True: pass' &
    MONITOR_PIDS+=($!)
    log "a busy process runs beside the programs"
fi

# Pushes every profile that appears in $2 as app $1 at ref $3, until $4 exists.
push_profiles() {
    local app=$1 dir=$2 ref=$3 stop=$4 file name from until labels
    while true; do
        for file in "$dir"/*.pb.gz; do
            [[ -e $file ]] || continue
            name=$(basename "$file" .pb.gz)
            from=$((${name%-*} / 1000000000))
            until=$(((${name#*-} + 999999999) / 1000000000))
            labels="service_git_ref=$ref,service_repository=https://example.com/steps-go,version=${ref:0:7}"
            curl -sf -o /dev/null -X POST --data-binary "@$file" \
                -H 'Content-Type: application/octet-stream' \
                "$ADDRESS/ingest?name=$app%7B$labels%7D&from=$from&until=$until&format=pprof" \
                || log "$app: a push at $from was refused"
            echo "$from $until $ref" >>"$OUT/$app.pushes"
            rm -f "$file"
        done
        [[ -e $stop ]] && [[ -z $(ls "$dir"/*.pb.gz 2>/dev/null) ]] && return 0
        sleep 0.2
    done
}

# One run: c1 for A_SECS, then c4 for B_SECS, one process each, profiles pushed as they appear.
run_app() {
    local app=$1 dir=$OUT/$1 side ref secs
    mkdir -p "$dir/a" "$dir/b"
    for side in a b; do
        ref=$C1 && secs=$A_SECS
        [[ $side == b ]] && ref=$C4 && secs=$B_SECS && date +%s >"$OUT/$app.deploy"
        push_profiles "$app" "$dir/$side" "$ref" "$dir/$side.done" &
        local pusher=$!
        "$OUT/steps-$side" "$dir/$side" "$secs" "$PERIOD"
        touch "$dir/$side.done"
        wait "$pusher"
    done
    date +%s >"$OUT/$app.done"
}

# Waits for app $1's confirmation (up to WAIT_SECS after its last push); writes its report line.
report_app() {
    local k=$1 app=steps-$1 deadline deploy
    deadline=$(($(cat "$OUT/$app.done") + WAIT_SECS))
    while (($(date +%s) < deadline)); do
        curl -sf "$ADDRESS/regressions?appName=$app&state=confirmed&limit=100" \
            | jq -e '[.regressions[] | select(.function == "main.compile")] | length > 0' >/dev/null \
            && break
        sleep 5
    done
    deploy=$(cat "$OUT/$app.deploy")
    curl -sf "$ADDRESS/regressions?appName=$app&limit=100" >"$OUT/$app.events.json"
    curl -sf "$ADDRESS/trends/$app?type=cpu&from=$((deploy - A_SECS - 60))&to=$(date +%s)&limit=100" \
        >"$OUT/$app.trend.json" || true
    jq -r --arg k "$k" --argjson deploy "$deploy" --arg culprit "$CULPRIT" '
        ([.regressions[] | select(.function == "main.compile" and .state == "confirmed")] | first) as $r
        | [.regressions[] | select(.function == "main.compile") | .state] as $states
        | if $r == null then [$k, "no", "", "", "", "", ($states | join(","))]
          else [$k, "yes", ((($r.changedAt - ($deploy - $deploy % 10)) / 10) | tostring),
                (($r.suspects[0].shortCommit // "") + (if ($r.suspects[0].commit // "") == $culprit then " (culprit)" else "" end)),
                "\($r.suspects[0].score // "")", "\($r.deltaPercent // "")", ($states | join(","))] end
        | @tsv' "$OUT/$app.events.json" >"$OUT/$app.report"
}

printf 'run\tconfirmed\tchange point - deploy (slices)\tfirst suspect\tscore\tdelta (points)\tevents of main.compile\n' \
    | tee "$OUT/report.tsv"
running=0
for k in $(seq 1 "$RUNS"); do
    if ((running >= PARALLEL)); then
        wait -n
        running=$((running - 1))
    fi
    (run_app "steps-$k" && report_app "$k") &
    AGENT_PIDS+=($!)
    running=$((running + 1))
    log "run $k started"
    sleep $((3 + RANDOM % 5))
done
for pid in "${AGENT_PIDS[@]}"; do wait "$pid" || true; done
AGENT_PIDS=()
for k in $(seq 1 "$RUNS"); do
    cat "$OUT/steps-$k.report" 2>/dev/null | tee -a "$OUT/report.tsv" || true
done
confirmed=$(awk -F'\t' 'NR > 1 && $2 == "yes" && $4 ~ /culprit/' "$OUT/report.tsv" | wc -l)
log "$confirmed of $RUNS confirmed with the culprit first; report: $OUT/report.tsv"
