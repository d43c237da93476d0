# Sourced by ingest_bench.sh and querier_bench.sh: the push they time.

# Writes $1/body.pb.gz, a realistic gzip CPU pprof (10 ms period): 300 stacks 8-24 frames deep
# over 400 Java-like functions, seeded, so every run pushes the same bytes. Needs the release
# fold2pprof example built.
java_like_profile() {
    python3 - "$1/body.folded" <<'PY'
import random, sys
rng = random.Random(7)
names = [f"com/example/svc{i % 17}/Class{i % 53}.method{i}" for i in range(400)]
with open(sys.argv[1], "w") as out:
    for _ in range(300):
        depth = rng.randint(8, 24)
        frames = ["java/lang/Thread.run"] + rng.sample(names, depth)
        out.write(";".join(frames) + f" {rng.randint(1, 200)}\n")
PY
    target/release/examples/fold2pprof "$1/body.folded" "$1/body.pb.gz" \
        cpu/nanoseconds cpu/nanoseconds 10000000 0 10
}
