//! A real JVM's JFR (JDK 17's `profile` settings) read by the service's JFR reader, checked
//! against the JDK's own reading of the same file (`jfr print --json`): every top frame's
//! count of execution samples, allocation samples and monitor enters, and the allocation
//! weights, are the same. A JVM is recorded once for all the tests here (about 5 s).

#[path = "common/jvm.rs"]
mod jvm;

use std::collections::BTreeMap;

use pf_pprof::jfr::{jfr_profiles, JfrError, JfrProfile};
use pf_pprof::proto;

fn profile<'a>(profiles: &'a [JfrProfile], kind: &str) -> &'a proto::Profile {
    &profiles
        .iter()
        .find(|p| p.kind == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
        .profile
}

fn text(p: &proto::Profile, i: i64) -> String {
    String::from_utf8_lossy(&p.string_table[i as usize]).into_owned()
}

/// Value `column` of `p` by the sample's leaf function, divided by `unit`, largest first.
fn top_frames(p: &proto::Profile, column: usize, unit: i64) -> Vec<(String, i64)> {
    let mut totals = BTreeMap::<String, i64>::new();
    for s in &p.sample {
        let location = &p.location[s.location_id[0] as usize - 1];
        let function = &p.function[location.line[0].function_id as usize - 1];
        *totals.entry(text(p, function.name)).or_default() += s.value[column] / unit;
    }
    let mut top: Vec<_> = totals.into_iter().filter(|(_, v)| *v > 0).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    top
}

fn sample_types(p: &proto::Profile) -> Vec<String> {
    p.sample_type
        .iter()
        .map(|t| format!("{}/{}", text(p, t.r#type), text(p, t.unit)))
        .collect()
}

#[test]
fn a_jdk_recording_reads_as_the_jdk_itself_reads_it() {
    let file = jvm::shared_recording();
    let bytes = std::fs::read(file).unwrap();
    let profiles = jfr_profiles(&bytes, None).unwrap();
    let kinds: Vec<_> = profiles.iter().map(|p| p.kind).collect();
    assert_eq!(
        kinds,
        ["cpu", "alloc", "lock"],
        "the JDK samples CPU, not wall"
    );

    let cpu = profile(&profiles, "cpu");
    assert_eq!(sample_types(cpu), ["cpu/nanoseconds"]);
    let ours = top_frames(cpu, 0, cpu.period);
    assert_eq!(ours, jvm::top_frames(file, "jdk.ExecutionSample", |_| 1));
    assert_eq!(ours[0].0, "Hot.spin", "{ours:?}");

    // JDK 17's `profile` settings record `ObjectAllocationSample`, not the TLAB events.
    let alloc = profile(&profiles, "alloc");
    assert_eq!(
        sample_types(alloc),
        [
            "alloc_in_new_tlab_objects/count",
            "alloc_in_new_tlab_bytes/bytes"
        ]
    );
    let weight = |e: &serde_json::Value| e["weight"].as_i64().unwrap();
    let ours = top_frames(alloc, 1, 1);
    assert_eq!(
        ours,
        jvm::top_frames(file, "jdk.ObjectAllocationSample", weight)
    );
    assert_eq!(ours[0].0, "Alloc.churn", "{ours:?}");
    let counts = jvm::top_frames(file, "jdk.ObjectAllocationSample", |_| 1);
    assert_eq!(top_frames(alloc, 0, 1), counts);

    let lock = profile(&profiles, "lock");
    assert_eq!(
        sample_types(lock),
        ["contentions/count", "delay/nanoseconds"]
    );
    let ours = top_frames(lock, 0, 1);
    let monitors = jvm::top_frames(file, "jdk.JavaMonitorEnter", |_| 1);
    let parks = jvm::top_frames(file, "jdk.ThreadPark", |_| 1);
    let mut oracle = BTreeMap::<String, i64>::new();
    for (name, n) in monitors.into_iter().chain(parks) {
        *oracle.entry(name).or_default() += n;
    }
    let mut oracle: Vec<_> = oracle.into_iter().collect();
    oracle.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    assert_eq!(ours, oracle);
    assert_eq!(ours[0].0, "Contend.hold", "{ours:?}");
    // Each contended enter waited for the holder's 25 ms sleep (at least the 10 ms threshold).
    let delay: i64 = lock.sample.iter().map(|s| s.value[1]).sum();
    let contentions: i64 = lock.sample.iter().map(|s| s.value[0]).sum();
    assert!(
        delay >= contentions * 10_000_000,
        "{delay} ns for {contentions}"
    );
}

#[test]
fn a_cut_or_damaged_recording_is_a_reason_never_a_panic() {
    let file = jvm::shared_recording();
    let bytes = std::fs::read(file).unwrap();
    for cut in (1..8).map(|i| bytes.len() * i / 8) {
        let read = jfr_profiles(&bytes[..cut], None);
        assert!(
            matches!(read, Err(JfrError::Malformed(_))),
            "cut at {cut}: {read:?}"
        );
    }
    // Bytes flipped inside the chunk: read or refused, but answered.
    for at in (68..bytes.len()).step_by(bytes.len() / 50) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x5a;
        let _ = jfr_profiles(&damaged, None);
    }
}
