#!/usr/bin/env bash
# Makes the bundled demo profiles (demo/profiles/<app>/*.pb.gz) from the folded stacks in
# demo/stacks/, which this project wrote by hand, and first the git repository of the demo's
# `ledger` app (demo/repository/ledger.git, by scripts/demo-repository.sh), whose commits
# ledger's profiles name. Run from the repository root:
#   scripts/demo-profiles.sh
# The payments files carry times (the hour before and after a deploy at 2026-01-01T01:00Z, six
# ten-minute files each), and so do cart's and ledger's (a day of five-minute files, below);
# the others carry none and so count in every window, the default "last hour" included.
# A frame written `name (file:line)` (ledger's own code) is written as pprof places it: the
# function's file and the line it was sampled at (examples/fold2pprof.rs); the others are names.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/demo-repository.sh
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
# A recorded day (2026-01-02, UTC) of five-minute profiles for two more apps, which the service
# replays as the day before it started (src/app/profile_source.rs), so the profile watcher
# has a day of history on a first run: `cart` (Go) only breathes with its traffic; `ledger`
# (Java) deploys version 1.4.2 at 16:00, which compiles its validation pattern per entry.
# Every sample carries the label `version`; ledger's also say what an agent says of a build
# (docs/regressions.md#the-change-that-caused-it): `service_git_ref`, the commit of the version's
# tag in demo/repository/ledger.git, and `service_root_path`, where the repository was built
# (/build/ledger: its frames' files start there), so the regression names the commit that did it.
# Each slice: the stacks' counts follow a daily traffic curve, each stack's share wobbles by a
# seeded log-normal 8 % (overdispersion), and the counts are drawn as Poisson samples.
day=1767312000 # 2026-01-02T00:00:00Z
mkdir -p "$out"/{cart,ledger}
python3 - "$parts" <<'PY'
import math, random, sys
folder = sys.argv[1]
def stacks(name):
    return [line.rsplit(" ", 1) for line in open(f"demo/stacks/{name}.cpu.folded")
            if line.strip() and not line.startswith("#")]
def poisson(rng, mean):
    if mean < 30:
        limit, k, p = math.exp(-mean), 0, rng.random()
        while p > limit:
            k, p = k + 1, p * rng.random()
        return k
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))
for app, before, after, deploy_slice, versions in [
    ("cart", "cart", "cart", None, ("2.3.0", "2.3.0")),
    ("ledger", "ledger.before", "ledger.after", 192, ("1.4.1", "1.4.2")),
]:
    rng = random.Random(f"demo-day-{app}")
    for k in range(288):
        after_deploy = deploy_slice is not None and k >= deploy_slice
        traffic = 1.0 + 0.3 * math.sin(2 * math.pi * (k - 108) / 288)
        with open(f"{folder}/{app}.{k}.folded", "w") as out:
            for stack, count in stacks(after if after_deploy else before):
                mean = int(count) * traffic * math.exp(rng.gauss(0, 0.08))
                n = poisson(rng, mean)
                if n > 0:
                    out.write(f"{stack} {n}\n")
        with open(f"{folder}/{app}.{k}.version", "w") as out:
            out.write(versions[1] if after_deploy else versions[0])
PY
declare -A build=()
for version in 1.4.1 1.4.2; do
    ref=$(git --git-dir=demo/repository/ledger.git rev-parse "v$version^{commit}")
    build[ledger-$version]=",service_git_ref=$ref,service_root_path=/build/ledger"
done
for app in cart ledger; do
    for k in $(seq 0 287); do
        at=$((day + k * 300))
        name=$(date -u -d "@$at" +%H%M)
        version=$(cat "$parts/$app.$k.version")
        "$tool" "$parts/$app.$k.folded" "$out/$app/day-$name.pb.gz" "${cpu[@]}" "$at" 300 \
            "version=$version${build[$app-$version]:-}"
    done
done
# cart's in-use memory over the same day, a heap snapshot per slice as Go's agent uploads it
# (inuse_space/bytes): each stack's bytes wobble by a seeded 2 %, and from 10:00 (slice 120) on
# the session store keeps 3 MiB more each slice (36 MiB an hour) that it never frees. By the
# day's end the leak has run seven hours: the watcher confirms it on a first run, and the demo's
# 1 GiB limit (src/app/profile_source.rs) says when cart reaches it.
python3 - "$parts" <<'PY'
import math, random, sys
folder = sys.argv[1]
stacks = [line.rsplit(" ", 1) for line in open("demo/stacks/cart.inuse.folded")
          if line.strip() and not line.startswith("#")]
rng = random.Random("demo-day-cart-inuse")
for k in range(288):
    with open(f"{folder}/cart.inuse.{k}.folded", "w") as out:
        for stack, size in stacks:
            level = int(size)
            if stack.endswith("(*Store).Remember") and k >= 120:
                level += 3 * 1024 * 1024 * (k - 119)
            out.write(f"{stack} {max(1, round(level * (1 + rng.gauss(0, 0.02))))}\n")
PY
for k in $(seq 0 287); do
    at=$((day + k * 300))
    name=$(date -u -d "@$at" +%H%M)
    "$tool" "$parts/cart.inuse.$k.folded" "$out/cart/heap-$name.pb.gz" inuse_space/bytes \
        space/bytes 524288 "$at" 300 "version=2.3.0"
done
ls -l "$out"/* | tail -n 20
