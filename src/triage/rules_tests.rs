//! Rule scoring: thresholds, ties, defaults, false-positive guards, one frame per runtime.

use super::*;
use crate::testing::pct;

fn shipped() -> RuleSet {
    RuleSet::shipped().expect("the shipped rules load")
}

fn diagnose(t: ProfileType, functions: &[FunctionStat]) -> Diagnosis {
    shipped().diagnose(t, functions, 5.0)
}

/// The diagnosis a single function taking 40% of `t` gets.
fn single(t: ProfileType, name: &str) -> String {
    diagnose(t, &[pct(name, 40.0)]).diagnosis
}

#[test]
fn the_shipped_rules_load() {
    shipped();
}

#[test]
fn real_frames_of_every_runtime_get_their_category() {
    use ProfileType::{Alloc, Cpu, Wall};
    let cases: &[(ProfileType, &str, &str)] = &[
        // JVM
        (
            Cpu,
            "G1ParScanThreadState::trim_queue_partially",
            "gc_pressure",
        ),
        (Cpu, "jdk/internal/misc/Unsafe.park", "thread_waiting"),
        (
            Cpu,
            "java/util/concurrent/locks/ReentrantLock$NonfairSync.lock",
            "lock_contention",
        ),
        (
            Cpu,
            "CompileBroker::invoke_compiler_on_method",
            "jit_overhead",
        ),
        (
            Alloc,
            "java/lang/AbstractStringBuilder.ensureCapacityInternal",
            "string_allocation",
        ),
        (Alloc, "java/util/HashMap.resize", "collection_resizing"),
        (
            Alloc,
            "com/fasterxml/jackson/databind/deser/BeanDeserializer.deserializeFromObject",
            "deserialization_overhead",
        ),
        (Wall, "sun/nio/ch/NioSocketImpl.read", "network_io"),
        // Go
        (Cpu, "runtime.gcBgMarkWorker", "gc_pressure"),
        (Cpu, "sync.(*Mutex).lockSlow", "lock_contention"),
        (Alloc, "runtime.growslice", "collection_resizing"),
        (
            Alloc,
            "encoding/json.(*decodeState).object",
            "deserialization_overhead",
        ),
        (Wall, "runtime.gopark", "idle_time"),
        // Python
        (Cpu, "<built-in method gc.collect>", "gc_pressure"),
        (
            Alloc,
            "json/decoder.py:353 - raw_decode",
            "deserialization_overhead",
        ),
        (Alloc, "json.loads", "deserialization_overhead"),
        (Wall, "<built-in method time.sleep>", "idle_time"),
        // .NET
        (Cpu, "WKS::gc_heap::mark_phase", "gc_pressure"),
        (Cpu, "System.Threading.Monitor.Enter", "lock_contention"),
        (
            Alloc,
            "System.Text.Json.JsonSerializer.Deserialize",
            "deserialization_overhead",
        ),
        (Wall, "System.Net.Sockets.Socket.Receive", "network_io"),
        // Node.js
        (Cpu, "v8::internal::Heap::CollectGarbage", "gc_pressure"),
        (
            Cpu,
            "v8::internal::compiler::PipelineImpl::OptimizeGraph",
            "jit_overhead",
        ),
        (Alloc, "JSON.parse", "deserialization_overhead"),
        (Wall, "(idle)", "idle_time"),
        // Ruby
        (Cpu, "gc_start", "gc_pressure"),
        (Cpu, "GC.start", "gc_pressure"),
        (Alloc, "JSON::Ext::Parser#parse", "deserialization_overhead"),
        (Wall, "Kernel#sleep", "idle_time"),
    ];
    for (t, name, want) in cases {
        assert_eq!(single(*t, name), *want, "{t} {name}");
    }
}

#[test]
fn patterns_do_not_fire_on_unrelated_names() {
    use ProfileType::{Alloc, Cpu, Wall};
    let cases: &[(ProfileType, &str, &str)] = &[
        // `Thread` contains "read"; a thread's run method is not deserialisation.
        (Alloc, "java/lang/Thread.run", "allocation_pressure"),
        // `spark` contains "park".
        (
            Wall,
            "org/apache/spark/scheduler/DAGScheduler.submitJob",
            "mixed_workload",
        ),
        (
            Cpu,
            "org/apache/spark/sql/execution/SparkPlan.execute",
            "cpu_bound",
        ),
        // `parkingLot` starts like "park" but is a different word.
        (
            Wall,
            "com/acme/parking/ParkingLotService.reserve",
            "mixed_workload",
        ),
        // "GC" inside a word, "G1" not at a token start.
        (Cpu, "com/acme/LogConfig.load", "cpu_bound"),
        (Cpu, "com/acme/PageG1Renderer.render", "cpu_bound"),
        // "String" alone is not string building; "resize" of an image is not a collection.
        (Alloc, "com/acme/StringUtils.isBlank", "allocation_pressure"),
        (
            Alloc,
            "com/acme/image/Thumbnail.resize",
            "allocation_pressure",
        ),
        // "await" contains "wait"; "Sleeper" contains "Sleep".
        (Wall, "com/acme/Job.await", "mixed_workload"),
        (Wall, "com/acme/Sleeper.run", "mixed_workload"),
        // A module merely named like a parser is not one.
        (Alloc, "app/loads.py:10 - loads", "allocation_pressure"),
        // "compile" of a regex is not the JIT.
        (Cpu, "java/util/regex/Pattern.compile", "cpu_bound"),
    ];
    for (t, name, want) in cases {
        assert_eq!(single(*t, name), *want, "{t} {name}");
    }
}

#[test]
fn the_best_category_wins_when_it_reaches_the_minimum() {
    let functions = [
        pct("com/acme/Checkout.price", 30.0),
        pct("jdk/internal/misc/Unsafe.park", 6.0),
        pct("G1 Young Generation", 4.0),
        pct("G1ParScanThreadState::trim_queue", 3.0),
    ];
    let d = diagnose(ProfileType::Cpu, &functions);
    assert_eq!(d.diagnosis, "gc_pressure");
    assert_eq!(
        d.evidence.matched_functions,
        ["G1 Young Generation", "G1ParScanThreadState::trim_queue"]
    );
    assert!((d.evidence.matched_percent - 7.0).abs() < 1e-9);
    assert_eq!(
        d.recommendation,
        "Reduce the allocation rate or tune the garbage collector: G1 Young Generation takes 4% of CPU"
    );
}

#[test]
fn a_score_exactly_at_the_minimum_counts_and_just_below_does_not() {
    let at = [pct("com/acme/A.a", 50.0), pct("runtime.mallocgc", 5.0)];
    assert_eq!(diagnose(ProfileType::Cpu, &at).diagnosis, "gc_pressure");
    let below = [pct("com/acme/A.a", 50.0), pct("runtime.mallocgc", 4.99)];
    let d = diagnose(ProfileType::Cpu, &below);
    assert_eq!(d.diagnosis, "cpu_bound");
    assert!(d.evidence.matched_functions.is_empty());
    assert_eq!(
        d.recommendation,
        "Optimise the hottest code path first: com/acme/A.a takes 50% of CPU"
    );
    // The minimum is configurable.
    let d = shipped().diagnose(ProfileType::Cpu, &below, 4.0);
    assert_eq!(d.diagnosis, "gc_pressure");
}

#[test]
fn ties_go_to_the_category_listed_first() {
    // gc_pressure is listed before lock_contention in the shipped rules.
    let functions = [
        pct("sync.(*Mutex).Lock", 8.0),
        pct("runtime.scanobject", 8.0),
    ];
    assert_eq!(
        diagnose(ProfileType::Cpu, &functions).diagnosis,
        "gc_pressure"
    );
}

#[test]
fn only_the_top_50_functions_are_scored() {
    let mut functions: Vec<FunctionStat> = (0..50)
        .map(|i| pct(&format!("com/acme/F{i:02}.run"), 1.5))
        .collect();
    // Ranked 51st by samples: ignored however much it matches.
    functions.push(pct("runtime.mallocgc", 1.0));
    functions.push(pct("runtime.scanobject", 1.0));
    let d = shipped().diagnose(ProfileType::Cpu, &functions, 0.5);
    assert_eq!(d.diagnosis, "cpu_bound");
}

#[test]
fn defaults_apply_per_type_and_no_functions_is_no_data() {
    let f = [pct("com/acme/Store.lock", 60.0)];
    assert_eq!(diagnose(ProfileType::Lock, &f).diagnosis, "lock_contention");
    assert_eq!(diagnose(ProfileType::Wall, &f).diagnosis, "mixed_workload");
    assert_eq!(
        diagnose(ProfileType::Alloc, &f).diagnosis,
        "allocation_pressure"
    );
    let d = diagnose(ProfileType::Alloc, &[]);
    assert_eq!(d.diagnosis, NO_DATA);
    assert!(
        d.recommendation.starts_with("No alloc samples"),
        "{}",
        d.recommendation
    );
}

#[test]
fn pattern_kinds_anchor_at_token_boundaries() {
    let rules = RuleSet::parse(
        r#"
        no_data_recommendation = "none"
        [cpu]
        default = "d"
        recommendation = "{function} {percent}"
        [[cpu.categories]]
        diagnosis = "seg"
        recommendation = "{function}"
        patterns = [{ segment = "a.b" }]
        [[cpu.categories]]
        diagnosis = "pre"
        recommendation = "{function}"
        patterns = [{ prefix = "x.park" }]
        [[cpu.categories]]
        diagnosis = "suf"
        recommendation = "{function}"
        patterns = [{ suffix = "Mapper.read" }]
        [[cpu.categories]]
        diagnosis = "con"
        recommendation = "{function}"
        patterns = [{ contains = "::odd name" }]
        [alloc]
        default = "d"
        recommendation = "r"
        [lock]
        default = "d"
        recommendation = "r"
        [wall]
        default = "d"
        recommendation = "r"
        "#,
    )
    .unwrap();
    let d = |name: &str| {
        rules
            .diagnose(ProfileType::Cpu, &[pct(name, 50.0)], 5.0)
            .diagnosis
    };
    assert_eq!(d("z/a/b.c"), "seg");
    assert_eq!(d("z::a::b"), "seg");
    assert_eq!(d("z/ab.c"), "d");
    assert_eq!(d("x.parkNanos"), "pre");
    assert_eq!(d("y.x.spark"), "d");
    assert_eq!(d("ObjectMapper.read"), "suf");
    assert_eq!(d("ObjectMapper.readValue"), "d");
    assert_eq!(d("q/odd name"), "con");
}

#[test]
fn broken_rules_files_are_refused_with_a_reason() {
    let err = RuleSet::parse("no_data_recommendation = 1").unwrap_err();
    assert!(err.to_string().starts_with("invalid triage rules"), "{err}");
    let missing_type = r#"
        no_data_recommendation = "n"
        [cpu]
        default = "d"
        recommendation = "r"
    "#;
    assert!(RuleSet::parse(missing_type).is_err());
    let empty_pattern = SHIPPED_RULES.replacen(r#"{ prefix = "G1" }"#, r#"{ prefix = "::" }"#, 1);
    let err = RuleSet::parse(&empty_pattern).unwrap_err();
    assert!(err.to_string().contains("gc_pressure"), "{err}");
    let unknown_kind = SHIPPED_RULES.replacen(r#"{ prefix = "G1" }"#, r#"{ regex = "G1" }"#, 1);
    assert!(RuleSet::parse(&unknown_kind).is_err());
    let category = "[[lock.categories]]\ndiagnosis = \"d\"\nrecommendation = \"r\"\npatterns = [{ segment = \"x\" }]\n";
    let too_many = format!("{SHIPPED_RULES}\n{}", category.repeat(65));
    let err = RuleSet::parse(&too_many).unwrap_err();
    assert!(err.to_string().contains("at most 64"), "{err}");
}
