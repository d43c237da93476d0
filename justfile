# Common tasks; `just --list` shows them.

# Run the service (embedded PostgreSQL unless DATABASE_URL / DB_HOST is set).
run:
    cargo run --release

# Run every test (starts its own PostgreSQL unless DATABASE_URL is set).
test:
    cargo test

# Formatting and lints, as CI runs them.
lint:
    cargo fmt --all -- --check
    cargo clippy --all-targets -- -D warnings

# schemathesis against a running service (its embedded PostgreSQL, a stub Pyroscope), from the
# served OpenAPI document; installs schemathesis into target/contract-venv. Goal: 0 failures.
# What it is configured not to check, and why: scripts/schemathesis.toml.
contract:
    bash scripts/contract.sh

# Regenerate the committed OpenAPI document from the code.
openapi:
    UPDATE_OPENAPI=1 cargo test --test api openapi

# Flame-graph parse + rank throughput beside a plain serde_json parse.
bench:
    cargo bench --bench flamegraph -- --warm-up-time 1 --measurement-time 3
    cargo bench --bench triage -- --warm-up-time 1 --measurement-time 3
    cargo bench --bench pprof -- --warm-up-time 1 --measurement-time 5
    cargo bench --bench significance -- --warm-up-time 1 --measurement-time 3
    cargo bench --bench detector -- --warm-up-time 1 --measurement-time 5
    cargo bench --bench suspects -- --warm-up-time 1 --measurement-time 3

# The profile watcher's figures: a live slice on 1-3 replicas, a day's backfill, bytes per
# summary, /trends under load (docs/performance.md).
watch-bench:
    bash scripts/watch_bench.sh

# End to end on real processes under their real agents (SPEC §15-§16): a Python (cpu) and a
# Node (wall) app, version A steady, a restart as A, a restart as B with one function a few
# points costlier, a restart as B again; detection delay and false alarms per run
# (docs/performance.md). ~8 min a run; RUNS=2 by default, BIN=path skips the release build.
agents-experiment:
    bash scripts/agents_experiment.sh

# Regressions measured as cost on real processes (SPEC §19): pyroscope-io pushing to the service,
# 10-s slices, the detector's default settings; +10/+30/+100 % work in functions at 55/20/5 % of
# a process, 5 repetitions (+30 % at 55 % 10 times), a second increase after the first settled,
# and unchanged Python and Node processes restarted for 44 min (false events per process-hour).
# ~45 min; knobs in the script's header, BIN=path skips the release build.
real-regressions:
    bash scripts/real_regressions.sh

# The regression tests 20 times, each at a new anchor (the stubs draw relative to it).
regressions-anchors:
    bash scripts/regressions_anchors.sh

# The detector's false alarms over many series-days of stable series, two kinds, release
# build (docs/performance.md); SERIES_DAYS per kind (4000), SETTINGS to try other knobs.
false-alarms:
    bash scripts/false_alarms.sh

# Remake the bundled demo profiles from the folded stacks in demo/stacks/.
demo-profiles:
    scripts/demo-profiles.sh

# The Kubernetes manifests against the API schemas (kubernetes-validate, strict), as CI checks them.
manifests:
    bash scripts/validate-manifests.sh

# Build the image and run it as a user would: demo triage, non-root, HEALTHCHECK, a restart
# that keeps /data, SIGTERM within the timeout (podman/buildah where no Docker daemon runs).
container-test:
    bash scripts/container-test.sh

# Everything CI does.
ci:
    bash .ci/run

# Load, memory and startup figures into docs/performance.md (needs a PostgreSQL server;
# see scripts/load.sh for its environment).
load:
    bash scripts/load.sh
