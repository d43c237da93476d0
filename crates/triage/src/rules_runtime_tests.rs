//! Garbage collection per runtime (docs/runtimes.md): each runtime's collector frames, as its agent
//! names them, get `gc_pressure` with that runtime's own remedy.

use super::*;
use pf_testing::pct;

/// `(type, frame as the agent writes it, a word the recommendation must name)`.
const COLLECTORS: [(ProfileType, &str, &str); 9] = [
    (ProfileType::Cpu, "G1 Young Generation", "garbage collector"),
    (ProfileType::Cpu, "runtime.gcBgMarkWorker", "GOGC"),
    (ProfileType::Cpu, "runtime.mallocgc", "GOMEMLIMIT"),
    // @pyroscope/nodejs: V8's collector on the CPU and on the wall-clock profile
    (
        ProfileType::Cpu,
        ":Garbage Collection:0",
        "--max-old-space-size",
    ),
    (
        ProfileType::Wall,
        ":Garbage Collection:0",
        "--max-old-space-size",
    ),
    (
        ProfileType::Cpu,
        "<built-in method gc.collect>",
        "gc.set_threshold",
    ),
    (
        ProfileType::Cpu,
        "(garbage collection)",
        "RUBY_GC_HEAP_GROWTH_FACTOR",
    ),
    (
        ProfileType::Cpu,
        "WKS::gc_heap::mark_phase",
        "DOTNET_gcServer",
    ),
    (
        ProfileType::Cpu,
        "SVR::GCHeap::GarbageCollect",
        "DOTNET_gcServer",
    ),
];

#[test]
fn each_runtimes_collector_is_gc_pressure_with_its_own_remedy() {
    let rules = RuleSet::shipped().expect("the shipped rules load");
    for (t, frame, remedy) in COLLECTORS {
        let profile = [
            pct(frame, 20.0),
            pct("app.work", 15.0),
            pct("app.other", 10.0),
        ];
        let d = rules.diagnose(t, &profile, 5.0);
        assert_eq!(d.diagnosis, "gc_pressure", "{t} {frame}");
        assert!(
            d.recommendation.contains(remedy),
            "{frame}: {}",
            d.recommendation
        );
        assert_eq!(d.evidence.matched_functions, [frame]);
    }
}

#[test]
fn a_gc_pressure_score_counts_every_runtimes_collector() {
    let rules = RuleSet::shipped().expect("the shipped rules load");
    let profile = [
        pct("G1 Young Generation", 10.0),
        pct("runtime.gcBgMarkWorker", 5.0),
        pct(":Garbage Collection:0", 2.5),
        pct("app.work", 40.0),
    ];
    let score = rules
        .category_score(ProfileType::Cpu, &profile, "gc_pressure")
        .expect("gc_pressure is a category");
    assert_eq!(score.matched_percent, 17.5);
    assert_eq!(score.matched_functions.len(), 3);
    assert!(rules
        .category_score(ProfileType::Cpu, &profile, "no_such")
        .is_none());
}

/// Go 1.26's collector ("green tea") scans whole spans: its frames are `scanObjectsSmall`,
/// `tryDeferToSpanScan`, `spanSetScans`, … rather than `scanobject`. The self shares are those of
/// `tests/runtimes/gc_churn.go` under `GOMAXPROCS=1 GOGC=10`, read with `go tool pprof -top`
/// (Go 1.26.0, 2026-11-28).
#[test]
fn go_1_26s_span_scanning_collector_is_gc_pressure_with_gos_remedy() {
    let rules = RuleSet::shipped().expect("the shipped rules load");
    let profile = [
        pct("runtime.scanObjectsSmall", 17.39),
        pct("runtime.tryDeferToSpanScan", 15.72),
        pct("runtime.gcmarknewobject", 7.69),
        pct("runtime.spanSetScans", 7.69),
        pct("runtime.(*spanScanOwnership).or", 4.68),
        pct("runtime.mallocgc", 4.68),
        pct("runtime.extractHeapBitsSmall", 4.35),
        pct("runtime.scanSpan", 4.35),
        pct("main.churnNodes", 2.68),
        pct("runtime.(*mspan).writeHeapBitsSmall", 2.68),
        pct("runtime.mallocgcSmallScanNoHeader", 2.34),
        pct("runtime.nextFreeFast", 2.34),
        pct("gcWriteBarrier", 2.01),
        pct("runtime.(*gcWork).balance", 1.34),
        pct("runtime.memclrNoHeapPointers", 1.0),
        pct("runtime.scanblock", 1.0),
    ];
    let d = rules.diagnose(ProfileType::Cpu, &profile, 5.0);
    assert_eq!(d.diagnosis, "gc_pressure", "{d:?}");
    assert!(d.recommendation.contains("GOGC"), "{}", d.recommendation);
    assert!(d.evidence.matched_percent > 60.0, "{:?}", d.evidence);
}
