#!/usr/bin/env bash
# The decoders under libFuzzer (SPEC §34): every target of fuzz/ (pprof, JFR, OTLP, the Connect
# push with /ingest's other forms, the query-parameter parsers) runs FUZZ_SECS seconds (20) on
# the nightly toolchain with AddressSanitizer, from the corpus the previous runs left under
# target/fuzz-corpus/ (none on a fresh machine). Any crash fails the script, its input kept
# under fuzz/artifacts/. Prints each target's executions and corpus size.
#
# Installs what is missing: the nightly toolchain (rustup) and cargo-fuzz (crates.io, pinned).
# CI runs it (.ci/run); the property-test twin of these targets runs in `cargo test`
# (crates/ingest/src/decode_fuzz_tests.rs).
set -euo pipefail
cd "$(dirname "$0")/.."

FUZZ_SECS=${FUZZ_SECS:-20}
# libFuzzer's seed: fixed, so that a run repeats the inputs of the one before it on the same
# corpus (FUZZ_SEED=0 draws a new one).
FUZZ_SEED=${FUZZ_SEED:-1}
CARGO_FUZZ_VERSION=0.13.2

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null 2>&1 ||
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --quiet

cd fuzz
cargo +nightly fuzz build
for target in $(cargo +nightly fuzz list); do
    corpus=../target/fuzz-corpus/$target
    mkdir -p "$corpus"
    log=$(mktemp)
    if ! cargo +nightly fuzz run "$target" "$corpus" -- \
        -seed="$FUZZ_SEED" -max_total_time="$FUZZ_SECS" -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1; then
        tail -40 "$log"
        echo "fuzz: $target crashed; its input is under fuzz/artifacts/$target/" >&2
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    size=$(find "$corpus" -type f | wc -l)
    echo "fuzz $target: $runs executions in $FUZZ_SECS s, corpus $size inputs"
    rm -f "$log"
done
