#!/usr/bin/env bash
# Makes the bundled demo profiles (demo/profiles/<app>/*.pb.gz) from the folded stacks in
# demo/stacks/, which this project wrote by hand. Run from the repository root:
#   scripts/demo-profiles.sh
# The payments files carry times (the hour before and after a deploy at 2026-01-01T01:00Z);
# the others carry none and so count in every window, the default "last hour" included.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --example fold2pprof
tool="${CARGO_TARGET_DIR:-target}/debug/examples/fold2pprof"
out=demo/profiles
rm -rf "$out"
mkdir -p "$out"/{checkout,inventory,search,payments}
deploy=1767229200 # 2026-01-01T01:00:00Z
cpu=(samples/count cpu/nanoseconds 10000000)
"$tool" demo/stacks/checkout.cpu.folded "$out/checkout/cpu.pb.gz" "${cpu[@]}" 0 0
"$tool" demo/stacks/checkout.alloc.folded "$out/checkout/alloc.pb.gz" alloc_space/bytes space/bytes 524288 0 0
"$tool" demo/stacks/inventory.cpu.folded "$out/inventory/cpu.pb.gz" "${cpu[@]}" 0 0
"$tool" demo/stacks/search.cpu.folded "$out/search/cpu.pb.gz" "${cpu[@]}" 0 0
"$tool" demo/stacks/payments.before.cpu.folded "$out/payments/before-deploy.pb.gz" "${cpu[@]}" $((deploy - 3600)) 3600
"$tool" demo/stacks/payments.after.cpu.folded "$out/payments/after-deploy.pb.gz" "${cpu[@]}" "$deploy" 3600
ls -l "$out"/*
