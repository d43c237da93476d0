# Sourced by the benchmark scripts (alerts_bench.sh, outbox_bench.sh, slices_bench.sh): the
# release build, the background processes they start (add each pid to `pids`, all are stopped
# on exit), a fresh database DB_NAME on ADMIN_URL, and waiting until a service is ready.

cargo build --release --quiet
pids=()
cleanup() { for p in "${pids[@]:-}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

fresh_db() { psql -q "$ADMIN_URL" -c "drop database if exists $DB_NAME with (force)" -c "create database $DB_NAME"; }
drop_db() { psql -q "$ADMIN_URL" -c "drop database if exists $DB_NAME with (force)"; }

# Waits (10 s at most) until the service at base URL $1 is ready.
wait_ready() {
    for _ in $(seq 1 500); do curl -sf "$1/health/ready" >/dev/null && return 0; sleep 0.02; done
    echo "$1 did not become ready" >&2
    return 1
}
