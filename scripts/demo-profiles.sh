#!/usr/bin/env bash
# Makes the bundled demo profiles (demo/profiles/<app>/*.pb.gz) from the folded stacks in
# demo/stacks/, which this project wrote by hand. Run from the repository root:
#   scripts/demo-profiles.sh
# The payments files carry times (the hour before and after a deploy at 2026-01-01T01:00Z, six
# ten-minute files each);
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
# Each payments hour is six ten-minute profiles, as an agent uploads them: the hour's stacks
# split six ways with a seeded +-15 % wobble per stack, so a diff can say how sure it is.
parts=$(mktemp -d)
trap 'rm -rf "$parts"' EXIT
for side in before after; do
    python3 - "demo/stacks/payments.$side.cpu.folded" "$parts/$side" <<'PY'
import math, random, sys
source, prefix = sys.argv[1], sys.argv[2]
rng = random.Random(f"payments-{prefix[-6:]}")
stacks = [line.rsplit(" ", 1) for line in open(source) if line.strip() and not line.startswith("#")]
for k in range(6):
    with open(f"{prefix}.{k}.folded", "w") as out:
        for stack, count in stacks:
            share = int(count) / 6 * math.exp(rng.gauss(0, 0.15))
            out.write(f"{stack} {max(1, round(share))}\n")
PY
done
for k in 0 1 2 3 4 5; do
    "$tool" "$parts/before.$k.folded" "$out/payments/before-deploy-$k.pb.gz" "${cpu[@]}" $((deploy - 3600 + k * 600)) 600
    "$tool" "$parts/after.$k.folded" "$out/payments/after-deploy-$k.pb.gz" "${cpu[@]}" $((deploy + k * 600)) 600
done
ls -l "$out"/*
