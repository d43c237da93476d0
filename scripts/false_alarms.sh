#!/usr/bin/env bash
# The detector's false-alarm rate over many series-days (docs/regressions.md; issue "Regressions
# measured as cost"): stable noisy series of two kinds (the API tests' noisy stub, and the
# simulation's fleet apps of 100 functions), 288 examined slices each after a full history,
# the default settings. Prints per kind: series-days, suspected, confirmed, false confirmed
# events per 1 000 series-days with the exact 95 % Poisson interval, and the runtime
# (docs/performance.md, "False alarms over many series-days"). Goal: ≤ 1 per 1 000.
# Env: SERIES_DAYS (4000 of each kind), SETTINGS (knobs to try instead of the defaults, e.g.
# "fdr=0.005 recent_slices=8"), CARGO_TARGET_DIR as cargo reads it.
set -euo pipefail
cd "$(dirname "$0")/.."

SERIES_DAYS=${SERIES_DAYS:-4000}
SETTINGS=${SETTINGS:-}

cargo test --release --lib --no-run --quiet
echo "| Kind | Series-days | Suspected | Confirmed | Per 1 000 series-days (95 % interval) | Runtime |"
echo "|---|---|---|---|---|---|"
# The two kinds run side by side (one test each); every line they print is whole.
FALSE_ALARM_SERIES_DAYS=$SERIES_DAYS FALSE_ALARM_SETTINGS=$SETTINGS \
    cargo test --release --lib --quiet false_alarms_of_the -- --nocapture 2>&1 |
    grep -E '^\||^DetectorSettings|the goal$|panicked|test result' | awk '!seen[$0]++'
