# shellcheck shell=bash
# What the end-to-end runs on real agents share (scripts/agents_experiment.sh,
# scripts/real_regressions.sh): the service binary and the SDKs, one service with its own
# embedded PostgreSQL and profile store, a poller of GET /regressions, and the cleanup of every
# child. Sourced from the repository root, after `set -euo pipefail`.

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 2; }

# --- children, all stopped on exit ---------------------------------------------------------
# AGENT_PIDS: the caller's processes (agents, or subshells that pass SIGTERM on to theirs);
# POLLER_PID and MONITOR_PIDS: loops that run until they are stopped.
SERVICE_PID=""
POLLER_PID=""
AGENT_PIDS=()
MONITOR_PIDS=()
stop_all() {
    local pid
    for pid in "${AGENT_PIDS[@]}" "$POLLER_PID" "${MONITOR_PIDS[@]}"; do
        if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; fi
    done
    for pid in "${AGENT_PIDS[@]}" "$POLLER_PID" "${MONITOR_PIDS[@]}"; do
        if [[ -n $pid ]]; then wait "$pid" 2>/dev/null || true; fi
    done
    AGENT_PIDS=()
    POLLER_PID=""
    MONITOR_PIDS=()
    if [[ -n $SERVICE_PID ]]; then
        # SIGTERM: the service stops its embedded PostgreSQL itself; give it the time to.
        kill -TERM "$SERVICE_PID" 2>/dev/null || true
        local i
        for ((i = 0; i < 60; i++)); do
            kill -0 "$SERVICE_PID" 2>/dev/null || break
            sleep 0.5
        done
        if kill -0 "$SERVICE_PID" 2>/dev/null; then
            log "the service did not stop within 30 s: SIGKILL"
            kill -KILL "$SERVICE_PID" 2>/dev/null || true
        fi
        wait "$SERVICE_PID" 2>/dev/null || true
        SERVICE_PID=""
    fi
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# --- the service binary and the agents -----------------------------------------------------
# Sets BIN (built with cargo build --release when unset) and PYTHON (the SDK's venv).
prepare_binary_and_agents() {
    if [[ -z ${BIN:-} ]]; then
        log "cargo build --release"
        cargo build --release
        BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/pyroscope-functions
    fi
    [[ -x $BIN ]] || die "no service binary at $BIN"
    bash scripts/install-agents.sh >&2 || die "the real agents cannot be installed"
    # shellcheck disable=SC2034  # read by the scripts that source this file
    PYTHON=$PWD/target/agents/venv/bin/python
    local tool
    for tool in node jq curl; do
        command -v "$tool" >/dev/null || die "$tool not found"
    done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Starts the service on $3 (a port) with config file $2, its database, pushes and logs in $1
# (all functions, an empty demo directory: only the pushed apps are watched); sets SERVICE_PID
# and returns once GET /regressions answers.
start_service() {
    local dir=$1 config=$2 port=$3 address=http://127.0.0.1:$3
    mkdir -p "$dir/pg" "$dir/profiles" "$dir/no-demo"
    (cd "$dir" && exec env -u DATABASE_URL -u DB_HOST -u PYROSCOPE_URL -u PROFILES_DIR \
        APP_CONFIG="$config" PORT="$port" RUST_LOG=warn \
        APP__DATABASE__EMBEDDED__DATA_DIR="$dir/pg" APP__INGEST__STORE_DIR="$dir/profiles" \
        APP__PROFILES__DEMO_DIR="$dir/no-demo" "$BIN" >"$dir/service.log" 2>&1) &
    SERVICE_PID=$!
    local i
    for ((i = 0; i < 240; i++)); do
        curl -sf "$address/regressions" >/dev/null 2>&1 && return 0
        kill -0 "$SERVICE_PID" 2>/dev/null || die "the service exited (see $dir/service.log)"
        sleep 0.5
    done
    curl -sf "$address/regressions" >/dev/null || die "the service's /regressions did not answer in 120 s"
}

# Every 2 s: each event's id, state, function and the time it was first seen in that state,
# one JSON line each into $2. Run it in the background and keep its pid in POLLER_PID.
poll_events() {
    local address=$1 file=$2 seen=$2.seen line key
    : >"$seen"
    while true; do
        curl -sf "$address/regressions?limit=1000" 2>/dev/null \
            | jq -c --arg now "$(date +%s)" \
                '.regressions[] | {seenAt: ($now | tonumber), id, appName, profileType, function, state}' \
                2>/dev/null \
            | while read -r line; do
                key=$(jq -r '"\(.id) \(.state)"' <<<"$line")
                if ! grep -qxF "$key" "$seen"; then
                    echo "$key" >>"$seen"
                    echo "$line" >>"$file"
                fi
            done
        sleep 2
    done
}
