#!/usr/bin/env bash
# Builds the image from the Dockerfile and runs it as a user would, then checks it:
#   - the demo's triage answers from inside the container;
#   - the service runs as a non-root user;
#   - the HEALTHCHECK command answers;
#   - a baseline created before a restart is still there after it (the volume on /data);
#   - SIGTERM ends the process within the shutdown timeout.
# Prints the image size and the start-to-ready times it measured.
#
# Engine: docker where a daemon answers; else podman/buildah (installed from Debian if missing),
# building with `podman build --isolation=chroot --network=host` and running the entrypoint with
# `buildah run --isolation chroot`, which works where `podman run` is refused. Where the public
# bases cannot be pulled, the same bases are made here from Debian's packages: a debootstrap of
# bookworm imported as debian:bookworm-slim, and a builder image from it with this machine's
# Rust toolchain (the script says so when it does).
set -euo pipefail
cd "$(dirname "$0")/.."

WORK="$PWD/target/container"
IMAGE="${IMAGE:-localhost/pyroscope-functions:test}"
PORT="${CONTAINER_TEST_PORT:-18080}"
STOP_BOUND_SECS=45 # server drain 30 s + history drain 10 s + PostgreSQL's fast stop
RUST_VERSION="$(sed -n 's/^ARG RUST_VERSION=//p' Dockerfile)"
mkdir -p "$WORK"

say() { printf '== %s\n' "$*"; }
fail() {
    printf 'FAIL: %s\n' "$*" >&2
    exit 1
}
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# ---- the engine -------------------------------------------------------------------------
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    ENGINE=docker
else
    ENGINE=podman
    if ! command -v podman >/dev/null || ! command -v buildah >/dev/null || ! command -v debootstrap >/dev/null; then
        say "installing podman, buildah and debootstrap from Debian"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends podman buildah debootstrap uidmap >/dev/null
    fi
fi
say "engine: $ENGINE"

have_image() { "$ENGINE" image inspect "$1" >/dev/null 2>&1; }
pulled() { timeout 60 "$ENGINE" pull -q "$1" >/dev/null 2>&1; }

# ---- the bases --------------------------------------------------------------------------
BUILD_ARGS=()
RUNTIME_BASE=debian:bookworm-slim
if ! have_image "$RUNTIME_BASE" && ! pulled "$RUNTIME_BASE"; then
    RUNTIME_BASE=localhost/debian:bookworm-slim
    if ! have_image "$RUNTIME_BASE"; then
        say "debian:bookworm-slim cannot be pulled here: making it from Debian's packages (debootstrap of bookworm)"
        rm -rf "$WORK/rootfs"
        debootstrap --variant=minbase bookworm "$WORK/rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 ||
            fail "debootstrap failed: see $WORK/debootstrap.log"
        rm -rf "$WORK/rootfs/var/cache/apt/archives/"*.deb "$WORK/rootfs/var/lib/apt/lists/"*
        tar -C "$WORK/rootfs" -c . | "$ENGINE" import - "$RUNTIME_BASE" >/dev/null
        rm -rf "$WORK/rootfs"
    fi
    say "runtime base: $RUNTIME_BASE (made locally from Debian's packages)"
    BUILD_ARGS+=(--build-arg "RUNTIME_IMAGE=$RUNTIME_BASE")
fi

RUST_BASE="rust:${RUST_VERSION}-bookworm"
if ! have_image "$RUST_BASE" && ! pulled "$RUST_BASE"; then
    host_rust="$(rustc --version | awk '{print $2}')"
    RUST_BASE="localhost/pyroscope-functions-builder:$host_rust"
    if ! have_image "$RUST_BASE"; then
        say "rust:${RUST_VERSION}-bookworm cannot be pulled here: making a builder from $RUNTIME_BASE with this machine's Rust $host_rust"
        sysroot="$(rustc --print sysroot)"
        context="$WORK/builder"
        rm -rf "$context"
        mkdir -p "$context/toolchain/bin"
        cp -a "$sysroot/bin/cargo" "$sysroot/bin/rustc" "$context/toolchain/bin/"
        cp -a "$sysroot/lib" "$context/toolchain/"
        # The machine's own certificate authorities (a registry reached through a proxy that
        # signs with one), so that cargo in the builder trusts what cargo here trusts.
        mkdir -p "$context/ca"
        cp /usr/local/share/ca-certificates/*.crt "$context/ca/" 2>/dev/null || true
        cat >"$context/Containerfile" <<EOF
FROM $RUNTIME_BASE
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev ca-certificates \\
    && rm -rf /var/lib/apt/lists/*
COPY ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates
COPY toolchain /usr/local/rust
ENV PATH=/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    CARGO_HOME=/usr/local/cargo
EOF
        "$ENGINE" build --isolation=chroot --network=host --pull=never -t "$RUST_BASE" "$context" >"$WORK/builder.log" 2>&1 ||
            fail "the builder image did not build: see $WORK/builder.log"
        rm -rf "$context"
    fi
    say "builder base: $RUST_BASE (this machine's toolchain; the Dockerfile asks for $RUST_VERSION or newer)"
    BUILD_ARGS+=(--build-arg "RUST_IMAGE=$RUST_BASE")
fi

# ---- the image ----------------------------------------------------------------------------
say "building $IMAGE (log: $WORK/build.log)"
started="$(now)"
if [ "$ENGINE" = docker ]; then
    docker build "${BUILD_ARGS[@]}" -t "$IMAGE" . >"$WORK/build.log" 2>&1 || fail "docker build failed: see $WORK/build.log"
else
    podman build --isolation=chroot --network=host --pull=never --format docker \
        "${BUILD_ARGS[@]}" -t "$IMAGE" . >"$WORK/build.log" 2>&1 || fail "podman build failed: see $WORK/build.log"
fi
build_secs="$(since "$started")"
size_bytes="$("$ENGINE" image inspect --format '{{.Size}}' "$IMAGE")"
size_mb="$(awk -v b="$size_bytes" 'BEGIN { printf "%.0f", b / 1e6 }')"
image_user="$("$ENGINE" image inspect --format '{{.Config.User}}' "$IMAGE")"
say "built in ${build_secs} s; image size ${size_mb} MB; USER ${image_user}"
[ -n "$image_user" ] && [ "${image_user%%:*}" != root ] && [ "${image_user%%:*}" != 0 ] ||
    fail "the image runs as root (USER '${image_user}')"
"$ENGINE" image inspect --format '{{json .Config.Healthcheck}}' "$IMAGE" | grep -q healthcheck ||
    fail "the image has no HEALTHCHECK"

# ---- running it ---------------------------------------------------------------------------
DATA="$WORK/data"
rm -rf "$DATA"
mkdir -p "$DATA"
chown "${image_user}" "$DATA" 2>/dev/null || chown "${image_user%%:*}" "$DATA"
BASE_URL="http://127.0.0.1:$PORT"
SERVICE_PID=""
RUNNER_PID=""
CONTAINER=""

cleanup() {
    [ -n "$SERVICE_PID" ] && kill -KILL "$SERVICE_PID" 2>/dev/null || true
    [ -n "$RUNNER_PID" ] && kill -KILL "$RUNNER_PID" 2>/dev/null || true
    pkill -KILL -f '^/usr/local/bin/pyroscope-functions$' 2>/dev/null || true
    if [ -n "$CONTAINER" ]; then
        if [ "$ENGINE" = docker ]; then docker rm -f "$CONTAINER" >/dev/null 2>&1 || true; else buildah rm "$CONTAINER" >/dev/null 2>&1 || true; fi
    fi
}
trap cleanup EXIT

# Starts the entrypoint with $DATA on /data and waits for readiness; sets SERVICE_PID.
start() {
    local label="$1" t0
    t0="$(now)"
    if [ "$ENGINE" = docker ]; then
        CONTAINER=pf-container-test
        docker rm -f "$CONTAINER" >/dev/null 2>&1 || true
        docker run -d --name "$CONTAINER" --network host -e "PORT=$PORT" -v "$DATA:/data" "$IMAGE" >/dev/null
    else
        [ -n "$CONTAINER" ] || CONTAINER="$(buildah from --pull-never "$IMAGE")"
        buildah run --isolation chroot --env "PORT=$PORT" -v "$DATA:/data" "$CONTAINER" -- \
            /usr/local/bin/pyroscope-functions >>"$WORK/service.log" 2>&1 &
        RUNNER_PID=$!
    fi
    for _ in $(seq 1 1200); do
        if curl -fsS -o /dev/null "$BASE_URL/health/ready" 2>/dev/null; then
            SERVICE_PID="$(pgrep -f '^/usr/local/bin/pyroscope-functions$' | head -1)"
            [ -n "$SERVICE_PID" ] || fail "ready, but no service process found"
            say "$label: ready $(since "$t0") s after start (pid $SERVICE_PID)"
            return 0
        fi
        sleep 0.1
    done
    tail -20 "$WORK/service.log" >&2 || true
    fail "$label: not ready within 120 s"
}

# Sends SIGTERM as `docker stop` does and waits for the process to end.
stop() {
    local label="$1" t0
    t0="$(now)"
    kill -TERM "$SERVICE_PID"
    for _ in $(seq 1 $((STOP_BOUND_SECS * 10))); do
        if ! kill -0 "$SERVICE_PID" 2>/dev/null; then
            say "$label: SIGTERM ended it in $(since "$t0") s (bound ${STOP_BOUND_SECS} s)"
            [ -n "$RUNNER_PID" ] && wait "$RUNNER_PID" 2>/dev/null || true
            SERVICE_PID=""
            return 0
        fi
        sleep 0.1
    done
    fail "$label: still running ${STOP_BOUND_SECS} s after SIGTERM"
}

: >"$WORK/service.log"
start "first run (initdb, migrations, demo)"

uid="$(awk '/^Uid:/ { print $2 }' "/proc/$SERVICE_PID/status")"
[ "$uid" != 0 ] || fail "the service runs as root"
say "the service runs as uid $uid"

if [ "$ENGINE" = docker ]; then
    docker exec "$CONTAINER" /usr/local/bin/pyroscope-functions healthcheck || fail "HEALTHCHECK command failed"
else
    buildah run --isolation chroot --env "PORT=$PORT" "$CONTAINER" -- /usr/local/bin/pyroscope-functions healthcheck ||
        fail "HEALTHCHECK command failed"
fi
say "the HEALTHCHECK command answers healthy"

triage="$(curl -fsS "$BASE_URL/triage/checkout?types=cpu&limit=3")"
grep -q '"diagnosis":"gc_pressure"' <<<"$triage" || fail "the demo triage did not answer gc_pressure: $triage"
say "demo triage of checkout: gc_pressure"

curl -fsS -XPOST "$BASE_URL/baselines" -H 'content-type: application/json' \
    -d '{"appName":"container-test","profileType":"cpu","functionName":"G1 Young Generation","maxSelfPercent":15}' >/dev/null ||
    fail "cannot create a baseline"
say "created a baseline for container-test"

stop "first run"
start "restart (data kept under /data)"
kept="$(curl -fsS "$BASE_URL/baselines/container-test")"
grep -q '"functionName":"G1 Young Generation"' <<<"$kept" || fail "the baseline did not survive the restart: $kept"
say "the baseline survived the restart"
stop "restart"

say "passed: image ${size_mb} MB, every check above"
