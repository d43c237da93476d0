//! Rule scoring: thresholds, ties, defaults, false-positive guards, one frame per runtime.

use super::*;
use pf_testing::pct;

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

/// Checks a table of cases, one a line: a profile type, the diagnosis a single function taking
/// 40% of it gets, then that function (the rest of the line, as frames may hold spaces). Blank
/// lines and lines starting with `#` are notes. A table keeps the cases one a line, where tuples
/// of long frame names would each take five.
fn assert_single_diagnoses(table: &str) {
    let cases = table
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'));
    for case in cases {
        let (t, rest) = case
            .split_once(' ')
            .expect("a type, a diagnosis and a frame");
        let (want, name) = rest
            .trim_start()
            .split_once(' ')
            .expect("a diagnosis and a frame");
        let (t, name) = (t.parse().expect("a profile type"), name.trim_start());
        assert_eq!(single(t, name), want, "{t} {name}");
    }
}

#[test]
fn real_frames_of_every_runtime_get_their_category() {
    assert_single_diagnoses(
        "
        # JVM
        cpu    gc_pressure               G1ParScanThreadState::trim_queue_partially
        cpu    thread_waiting            jdk/internal/misc/Unsafe.park
        cpu    lock_contention           java/util/concurrent/locks/ReentrantLock$NonfairSync.lock
        cpu    jit_overhead              CompileBroker::invoke_compiler_on_method
        alloc  string_allocation         java/lang/AbstractStringBuilder.ensureCapacityInternal
        alloc  collection_resizing       java/util/HashMap.resize
        alloc  deserialization_overhead  com/fasterxml/jackson/databind/deser/BeanDeserializer.deserializeFromObject
        wall   network_io                sun/nio/ch/NioSocketImpl.read
        # Go
        cpu    gc_pressure               runtime.gcBgMarkWorker
        cpu    lock_contention           sync.(*Mutex).lockSlow
        alloc  collection_resizing       runtime.growslice
        alloc  deserialization_overhead  encoding/json.(*decodeState).object
        wall   idle_time                 runtime.gopark
        # Python
        cpu    gc_pressure               <built-in method gc.collect>
        alloc  deserialization_overhead  json/decoder.py:353 - raw_decode
        alloc  deserialization_overhead  json.loads
        wall   idle_time                 <built-in method time.sleep>
        # .NET
        cpu    gc_pressure               WKS::gc_heap::mark_phase
        cpu    lock_contention           System.Threading.Monitor.Enter
        alloc  deserialization_overhead  System.Text.Json.JsonSerializer.Deserialize
        wall   network_io                System.Net.Sockets.Socket.Receive
        # Node.js
        cpu    gc_pressure               v8::internal::Heap::CollectGarbage
        cpu    jit_overhead              v8::internal::compiler::PipelineImpl::OptimizeGraph
        alloc  deserialization_overhead  JSON.parse
        wall   idle_time                 (idle)
        # Ruby
        cpu    gc_pressure               gc_start
        cpu    gc_pressure               GC.start
        alloc  deserialization_overhead  JSON::Ext::Parser#parse
        wall   idle_time                 Kernel#sleep
        ",
    );
}

#[test]
fn patterns_do_not_fire_on_unrelated_names() {
    assert_single_diagnoses(
        r#"
        # `Thread` contains "read"; a thread's run method is not deserialisation.
        alloc  allocation_pressure  java/lang/Thread.run
        # `spark` contains "park".
        wall   mixed_workload       org/apache/spark/scheduler/DAGScheduler.submitJob
        cpu    cpu_bound            org/apache/spark/sql/execution/SparkPlan.execute
        # `parkingLot` starts like "park" but is a different word.
        wall   mixed_workload       com/acme/parking/ParkingLotService.reserve
        # "GC" inside a word, "G1" not at a token start.
        cpu    cpu_bound            com/acme/LogConfig.load
        cpu    cpu_bound            com/acme/PageG1Renderer.render
        # "String" alone is not string building; "resize" of an image is not a collection.
        alloc  allocation_pressure  com/acme/StringUtils.isBlank
        alloc  allocation_pressure  com/acme/image/Thumbnail.resize
        # "await" contains "wait"; "Sleeper" contains "Sleep".
        wall   mixed_workload       com/acme/Job.await
        wall   mixed_workload       com/acme/Sleeper.run
        # A module merely named like a parser is not one.
        alloc  allocation_pressure  app/loads.py:10 - loads
        # "compile" of a regex is not the JIT.
        cpu    cpu_bound            java/util/regex/Pattern.compile
        "#,
    );
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
