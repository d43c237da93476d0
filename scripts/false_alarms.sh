#!/usr/bin/env bash
# The regression detector as a sequential test (SPEC §36; docs/regressions.md, "A sequential
# test"; issue #79): for each of the six noise models of `false_alarm_tests.rs` (multinomial,
# stub, slice-jitter, wander, daily, bursts), a false-alarm run — stable series, 288 examined
# slices each after a full history, so every confirmed event is false — and a detection run
# (+5 and +10 points in the 20 % function), beside the oracle (a CUSUM with the true mean and
# deviation, k = 1, its threshold set on the same series for 1 false alarm per 1 000 series-days).
# Prints docs/performance.md's two tables ("False alarms over many series-days"): false
# confirmations per 1 000 series-days with the exact 95 % Poisson interval and the runtime; the
# detection rates within 60 and 90 minutes and the median delay, the detector's and the oracle's.
# Goal: ≤ 1 per 1 000 on every model; on the stub, +5 within 60 min ≥ 85 %, within 90 ≥ 97 %,
# +10 within 60 min ≥ 99 %.
# Env: SERIES_DAYS (6000 per model), RUNS (2000 detection runs per step), MODELS (names,
# comma-separated; all by default), SETTINGS (knobs instead of the defaults, e.g.
# "cusum_threshold=10 reference_slices=48"), CARGO_TARGET_DIR as cargo reads it.
set -euo pipefail
cd "$(dirname "$0")/.."

SERIES_DAYS=${SERIES_DAYS:-6000}
RUNS=${RUNS:-2000}
MODELS=${MODELS:-multinomial,stub,slice-jitter,wander,daily,bursts}
SETTINGS=${SETTINGS:-}

cargo test --release -p pf-detection --lib --no-run --quiet
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# One model at a time, each its own test: the runtimes are each model's alone.
FALSE_ALARM_SERIES_DAYS=$SERIES_DAYS DETECTION_RUNS=$RUNS FALSE_ALARM_MODELS=$MODELS \
    FALSE_ALARM_SETTINGS=$SETTINGS \
    cargo test --release -p pf-detection --lib --quiet false_alarms_and_detection -- \
    --nocapture --test-threads 1 >"$out" 2>&1 || { cat "$out"; exit 1; }
# What a call costs on a series of 100 functions (the most a summary keeps by default).
cargo test --release -p pf-detection --lib --quiet cost_of_a_call_on_a_hundred_functions -- \
    --ignored --nocapture 2>&1 | grep -E 'µs each' >>"$out" || true
grep -m1 '^DetectorSettings' "$out" || true
echo
echo "| Model | Series-days | Suspected | Confirmed | Per 1 000 series-days (95 %) | Oracle's h | Oracle per 1 000 (95 %) | Runtime |"
echo "|---|---|---|---|---|---|---|---|"
grep -E '^\| [a-z-]+ \| [0-9]+ \|' "$out"
echo
echo "| Model | Step | Runs | Detector ≤ 60 min | ≤ 90 min | Median | Oracle ≤ 60 min | ≤ 90 min | Median | Detector / oracle (≤ 60) | Other confirmations |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
grep -E '^\| [a-z-]+ \| \+' "$out"
echo
grep -E "the goal|oracle at h|µs each" "$out"
