# Build:  docker build -t pyroscope-functions .
# Run with the embedded PostgreSQL and the demo profiles (everything kept in the volume):
#   docker run -p 8080:8080 -v pf-data:/data pyroscope-functions
# Read Grafana Pyroscope instead of the demo:
#   docker run -p 8080:8080 -v pf-data:/data -e PYROSCOPE_URL=http://pyroscope:4040 pyroscope-functions
# Use an external database instead of the embedded one:
#   docker run -p 8080:8080 -e DB_HOST=postgres -e DB_NAME=pyroscope -e DB_USER=pyroscope \
#     -e DB_PASSWORD=... pyroscope-functions
# Stop with room for the shutdown drains (requests 30 s, history 10 s): docker stop -t 45.
#
# RUST_VERSION is Cargo.toml's rust-version, the oldest toolchain the lock file builds with;
# tests/toolchain.rs fails when the two disagree. scripts/container-test.sh builds this file on
# machines that cannot pull the public bases by passing RUST_IMAGE and RUNTIME_IMAGE.
ARG RUST_VERSION=1.89
ARG RUST_IMAGE=rust:${RUST_VERSION}-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${RUST_IMAGE} AS build
WORKDIR /src
# Dependencies first, so that source edits do not rebuild them: every target the manifests
# name explicitly (each crate's library, the binary, each [[bench]]) gets a stub, the
# dependencies are built, and the stubs' own artefacts are removed so that the real sources
# always rebuild.
COPY Cargo.toml Cargo.lock ./
COPY crates/alerts/Cargo.toml crates/alerts/
COPY crates/baselines/Cargo.toml crates/baselines/
COPY crates/commits/Cargo.toml crates/commits/
COPY crates/delivery/Cargo.toml crates/delivery/
COPY crates/detection/Cargo.toml crates/detection/
COPY crates/diff-report/Cargo.toml crates/diff-report/
COPY crates/fleet-search/Cargo.toml crates/fleet-search/
COPY crates/formats/Cargo.toml crates/formats/
COPY crates/front-door/Cargo.toml crates/front-door/
COPY crates/gate/Cargo.toml crates/gate/
COPY crates/health/Cargo.toml crates/health/
COPY crates/history/Cargo.toml crates/history/
COPY crates/http/Cargo.toml crates/http/
COPY crates/infra/Cargo.toml crates/infra/
COPY crates/ingest/Cargo.toml crates/ingest/
COPY crates/model/Cargo.toml crates/model/
COPY crates/module/Cargo.toml crates/module/
COPY crates/pictures/Cargo.toml crates/pictures/
COPY crates/pprof/Cargo.toml crates/pprof/
COPY crates/profile-files/Cargo.toml crates/profile-files/
COPY crates/profiles/Cargo.toml crates/profiles/
COPY crates/pyroscope/Cargo.toml crates/pyroscope/
COPY crates/querier/Cargo.toml crates/querier/
COPY crates/registry/Cargo.toml crates/registry/
COPY crates/regressions/Cargo.toml crates/regressions/
COPY crates/testing/Cargo.toml crates/testing/
COPY crates/triage/Cargo.toml crates/triage/
COPY crates/watch/Cargo.toml crates/watch/
RUN set -eu; \
    mkdir -p src benches; \
    echo 'fn main() {}' > src/main.rs; \
    : > src/lib.rs; \
    for crate in crates/*/; do mkdir -p "${crate}src"; : > "${crate}src/lib.rs"; done; \
    for bench in $(awk '/^\[\[bench\]\]/ { want = 1; next } want && /^name *=/ { gsub(/[" ]/, "", $0); sub(/^name=/, "", $0); print; want = 0 }' Cargo.toml); do \
        echo 'fn main() {}' > "benches/${bench}.rs"; \
    done; \
    cargo build --release --locked; \
    rm -rf src benches crates/*/src target/release/.fingerprint/pyroscope-functions-* \
        target/release/.fingerprint/pf-* target/release/deps/libpf_* \
        target/release/deps/pyroscope_functions-* target/release/deps/libpyroscope_functions-* \
        target/release/pyroscope-functions
COPY . .
RUN cargo build --release --locked --bin pyroscope-functions

FROM ${RUNTIME_IMAGE}
# PostgreSQL's binaries make the embedded database work (unused with an external one); no
# cluster of the package's own is created, the service makes its own under /data.
RUN set -eu; \
    mkdir -p /etc/postgresql-common/createcluster.d; \
    echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/no-main-cluster.conf; \
    apt-get update; \
    apt-get install -y --no-install-recommends postgresql ca-certificates; \
    rm -rf /var/lib/apt/lists/*; \
    groupadd --system --gid 10001 pyroscope; \
    useradd --system --uid 10001 --gid pyroscope --home-dir /data --shell /usr/sbin/nologin pyroscope; \
    mkdir -p /data; \
    chown pyroscope:pyroscope /data
COPY --from=build /src/target/release/pyroscope-functions /usr/local/bin/pyroscope-functions
# Answers when neither PYROSCOPE_URL nor PROFILES_DIR is set; the demo's ledger repository beside
# them names the commit behind its regression.
COPY --from=build /src/demo/profiles /usr/share/pyroscope-functions/demo/profiles
COPY --from=build /src/demo/repository /usr/share/pyroscope-functions/demo/repository
USER 10001:10001
WORKDIR /data
ENV APP__DATABASE__EMBEDDED__DATA_DIR=/data/postgres \
    APP__INGEST__STORE_DIR=/data/profiles \
    APP__PROFILES__DEMO_DIR=/usr/share/pyroscope-functions/demo/profiles \
    PORT=8080 \
    RUST_LOG=info
VOLUME ["/data"]
EXPOSE 8080
# The same probe as Kubernetes' readiness: 200 from /health/ready on this container's port.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/pyroscope-functions", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/pyroscope-functions"]
