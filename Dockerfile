# Build: docker build -t pyroscope-functions .
# Run with the embedded PostgreSQL (data kept in a volume):
#   docker run -p 8080:8080 -v pf-data:/data -e PYROSCOPE_URL=http://pyroscope:4040 pyroscope-functions
# Run against an external database:
#   docker run -p 8080:8080 -e DB_HOST=postgres -e DB_NAME=pyroscope -e DB_USER=pyroscope \
#     -e DB_PASSWORD=... pyroscope-functions

FROM rust:1.88-bookworm AS build
WORKDIR /src
# Dependencies first, so source edits do not rebuild them.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && echo 'fn main() {}' > benches/flamegraph.rs \
    && cargo build --release --locked || true
COPY . .
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin pyroscope-functions

FROM debian:bookworm-slim
# PostgreSQL binaries make the embedded default work; they are unused with an external database.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /data && chown postgres:postgres /data
COPY --from=build /src/target/release/pyroscope-functions /usr/local/bin/pyroscope-functions
# Answers when neither PYROSCOPE_URL nor PROFILES_DIR is set (mount pprof files and set
# PROFILES_DIR to read your own).
COPY --from=build /src/demo/profiles /usr/share/pyroscope-functions/demo/profiles
USER postgres
WORKDIR /data
ENV APP__DATABASE__EMBEDDED__DATA_DIR=/data/postgres \
    APP__PROFILES__DEMO_DIR=/usr/share/pyroscope-functions/demo/profiles \
    PORT=8080 \
    RUST_LOG=info
VOLUME ["/data"]
EXPOSE 8080
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/pyroscope-functions"]
