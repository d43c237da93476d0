#!/usr/bin/env bash
# The change that caused it, live (docs/regressions.md#the-change-that-caused-it; reported in
# docs/performance.md): the real Go program of its test (tests/runtimes/suspects/go), built at two
# commits of a git repository this script makes — the culprit doubles the hashing in score, decoys
# around it (a README, a comment in the caller, a rename, a move) — run as an agent runs: one CPU
# profile per 10-s window from runtime/pprof, pushed to /ingest with service_git_ref and
# service_root_path as the window ends. RUNS apps at once (live-go-1 …), each its own process per
# window: A for A_SECS, then the deploy (B) for B_SECS; then up to WAIT_SECS for each regression to
# be confirmed. Per run: confirmed or not, how far the change point lies from the deploy's first
# profile (in slices), the range and the first suspect; for a run that named no culprit, the
# watcher's own record: every slice it summarized (start, total, refs, the function's share) and
# every event it raised.
#
# Env: BIN (a service binary; unset -> cargo build --release), OUT (kept, printed), RUNS (10),
# A_SECS (200), B_SECS (150), WAIT_SECS (90), REFERENCE_SLICES (12), RECENT_SLICES (4).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib/agents.sh
source scripts/lib/agents.sh

RUNS=${RUNS:-10}
A_SECS=${A_SECS:-200}
B_SECS=${B_SECS:-150}
WAIT_SECS=${WAIT_SECS:-90}
REFERENCE_SLICES=${REFERENCE_SLICES:-12}
RECENT_SLICES=${RECENT_SLICES:-4}
OUT=${OUT:-$(mktemp -d -t real-commits.XXXXXX)}
if [[ -z ${BIN:-} ]]; then
    log "cargo build --release"
    cargo build --release
    BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/pyroscope-functions
fi
for tool in go git jq curl python3; do
    command -v "$tool" >/dev/null || die "$tool not found"
done

# --- the repository and the two builds -------------------------------------------------------
REPO=$OUT/shop-go
BUILD=$OUT/build
mkdir -p "$REPO" "$BUILD"
gitc() {
    GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null git -C "$REPO" -c user.name=Dev \
        -c user.email=dev@example.com -c init.defaultBranch=main -c commit.gpgsign=false "$@"
}
gitc init -q
cp tests/runtimes/suspects/go/* "$REPO/"
commit() { gitc add -A && gitc commit -q -m "$1" && gitc rev-parse HEAD; }
replace() {
    python3 - "$REPO/$1" "$2" "$3" <<'EOF'
import sys
path, old, new = sys.argv[1], sys.argv[2].encode().decode("unicode_escape"), sys.argv[3].encode().decode("unicode_escape")
text = open(path).read()
assert old in text, f"{path} has no {old!r}"
open(path, "w").write(text.replace(old, new))
EOF
}
FROM=$(commit "Serve requests: route scores each one, then renders it")
printf '# shop\n\nScores and renders requests.\n' >"$REPO/README.md"
commit "Add a README for the shop service" >/dev/null
replace score.go '\treturn total\n' '\t// Hash the key twice (audit log, cache), each a 40-fold stretched FNV-1a.\n\tfor pass := 0; pass < 2; pass++ {\n\t\thash := uint32(2166136261)\n\t\tfor stretch := 0; stretch < 40; stretch++ {\n\t\t\tfor _, b := range req.key {\n\t\t\t\thash ^= uint32(b)\n\t\t\t\thash *= 16777619\n\t\t\t}\n\t\t}\n\t\ttotal += int(hash & 0xff)\n\t}\n\treturn total\n'
CULPRIT=$(commit "Hash every request twice in score")
replace route.go '// Fold the request id into a checksum for the access log.' '// Fold the request id into a checksum: the access log keeps one bit of it.'
commit "Say in route what the checksum is for" >/dev/null
replace legacy.go 'unusedHelper' 'unusedHelperRenamed'
commit "Rename unusedHelper to unusedHelperRenamed" >/dev/null
gitc mv legacy.go compat.go
TO=$(commit "Move the old client's helpers to compat.go")
for side in a b; do
    ref=$FROM
    [[ $side == b ]] && ref=$TO
    rm -rf "$BUILD" && mkdir -p "$BUILD"
    gitc archive "$ref" | tar -x -C "$BUILD"
    (cd "$BUILD" && GOFLAGS=-mod=mod GOPROXY=off CGO_ENABLED=0 go build -buildvcs=false -o "$OUT/shop-$side" .)
done
log "repository $REPO: $FROM .. $TO, culprit $CULPRIT"

# --- the service -----------------------------------------------------------------------------
PORT=$(free_port)
ADDRESS=http://127.0.0.1:$PORT
{
    printf '[watch]\nslice_secs = 10\nlag_secs = 15\ntypes = ["cpu"]\nbackfill_hours = 0\n'
    printf 'reference_slices = %s\nrecent_slices = %s\n\n[repositories.dirs]\n' \
        "$REFERENCE_SLICES" "$RECENT_SLICES"
    for k in $(seq 1 "$RUNS"); do printf '"live-go-%s" = "%s"\n' "$k" "$REPO"; done
} >"$OUT/real.toml"
start_service "$OUT" "$OUT/real.toml" "$PORT"
poll_events "$ADDRESS" "$OUT/seen.jsonl" &
POLLER_PID=$!
log "service on $ADDRESS, files in $OUT"

# One app: a process per 10-s window, its profile pushed as the window ends.
run_app() {
    local app=$1 side ref end from until file labels
    for side in a b; do
        ref=$FROM && end=$(($(date +%s) + A_SECS))
        [[ $side == b ]] && ref=$TO && end=$(($(date +%s) + B_SECS))
        [[ $side == b ]] && date +%s >"$OUT/$app.deploy"
        while (($(date +%s) < end)); do
            file=$OUT/$app-$side.pb.gz
            from=$(date +%s)
            "$OUT/shop-$side" "$file" 10
            until=$(date +%s)
            labels="service_git_ref=$ref,service_root_path=$BUILD"
            curl -sf -o /dev/null -X POST --data-binary "@$file" \
                -H 'Content-Type: application/octet-stream' \
                "$ADDRESS/ingest?name=$app%7B$labels%7D&from=$from&until=$until&format=pprof" \
                || log "$app: a push at $from was refused"
        done
    done
    date +%s >"$OUT/$app.done"
}
for k in $(seq 1 "$RUNS"); do
    run_app "live-go-$k" &
    AGENT_PIDS+=($!)
    sleep 1
done
for pid in "${AGENT_PIDS[@]}"; do wait "$pid"; done
AGENT_PIDS=()
log "every run pushed its last profile; waiting up to $WAIT_SECS s for the confirmations"
deadline=$(($(date +%s) + WAIT_SECS))
while (($(date +%s) < deadline)); do
    confirmed=$(curl -sf "$ADDRESS/regressions?state=confirmed&limit=1000" | jq '[.regressions[] | select(.function == "main.score")] | length')
    ((confirmed >= RUNS)) && break
    sleep 5
done

# --- the report ------------------------------------------------------------------------------
printf 'run\tconfirmed\tchange point − deploy (slices)\trange\tfirst suspect\tscore\treason\n' | tee "$OUT/report.tsv"
for k in $(seq 1 "$RUNS"); do
    app=live-go-$k
    deploy=$(cat "$OUT/$app.deploy")
    curl -sf "$ADDRESS/regressions?appName=$app&limit=100" >"$OUT/$app.events.json"
    jq -r --arg k "$k" --argjson deploy "$deploy" --arg culprit "$CULPRIT" '
        ([.regressions[] | select(.function == "main.score" and .state == "confirmed")] | first) as $r
        | if $r == null then [$k, "no", "", "", "", "", "events: \([.regressions[] | "\(.function) \(.state)"] | join(", "))"]
          else [$k, "yes", ((($r.changedAt - ($deploy - $deploy % 10)) / 10) | tostring),
                "\($r.range.commits // "")", (($r.suspects[0].shortCommit // "") + (if ($r.suspects[0].commit // "") == $culprit then " (culprit)" else "" end)),
                "\($r.suspects[0].score // "")", ($r.suspectsReason // "")] end
        | @tsv' "$OUT/$app.events.json" | tee -a "$OUT/report.tsv"
    if ! grep -q "(culprit)" <(tail -1 "$OUT/report.tsv"); then
        # The watcher's own record of the run: every slice it summarized, its refs and
        # main.score's share, and every event.
        first=$((deploy - A_SECS - 60))
        curl -sf "$ADDRESS/trends/$app?type=cpu&from=$first&to=$(date +%s)&functions=main.score" \
            >"$OUT/$app.trend.json" || true
        log "$app: no culprit named; the watcher's record is in $OUT/$app.trend.json and $app.events.json"
    fi
done
log "report: $OUT/report.tsv"
