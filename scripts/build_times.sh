#!/usr/bin/env bash
# What a change costs to rebuild (docs/architecture.md "What a change rebuilds").
#
#   scripts/build_times.sh FILE...
#
# From a clean target directory: a release build, then for each FILE a one-line change (a
# comment appended, taken back afterwards) followed by `cargo build --release` and
# `cargo test --no-run`, each timed. The debug test build from clean comes first and is not a
# reported number: it only makes the `--no-run` timings incremental.
# CARGO_TARGET_DIR may point elsewhere to measure a second checkout without touching this one;
# KEEP_TARGET=1 skips the clean builds, for more files measured over a target already built.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds() { local s; s=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $s" | bc; }

if [ "${KEEP_TARGET:-0}" != 1 ]; then
    cargo clean >/dev/null 2>&1 || true
    echo "release build from clean: $(seconds cargo build --release) s"
    echo "test build from clean (not reported): $(seconds cargo test --no-run) s"
fi
for file in "$@"; do
    cp "$file" "$file.orig"
    echo "// a one-line change" >>"$file"
    echo "$file: cargo build --release $(seconds cargo build --release) s"
    echo "$file: cargo test --no-run $(seconds cargo test --no-run) s"
    mv "$file.orig" "$file"
done
