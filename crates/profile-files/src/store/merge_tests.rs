use super::*;
use pf_pprof::encode::{profile, Header, Stack};
use pf_pprof::{parse_file, Limits};
use prost::Message;

fn one(time_secs: i64, version: &str, stacks: &[(&[&str], i64)]) -> proto::Profile {
    typed(("cpu", "nanoseconds"), time_secs, version, stacks)
}

fn typed(
    (kind, unit): (&str, &str),
    time_secs: i64,
    version: &str,
    stacks: &[(&[&str], i64)],
) -> proto::Profile {
    let header = Header {
        sample_types: vec![(kind.into(), unit.into())],
        period_type: Some(("cpu".into(), "nanoseconds".into())),
        period: 10_000_000,
        time_nanos: time_secs * 1_000_000_000,
        duration_nanos: 10_000_000_000,
        labels: vec![("version".into(), version.into())],
    };
    let stacks: Vec<Stack> = stacks
        .iter()
        .map(|(frames, v)| Stack {
            frames: frames.iter().map(|f| (*f).to_owned()).collect(),
            values: vec![*v],
        })
        .collect();
    profile(&header, &stacks)
}

#[test]
fn merged_profiles_sum_the_same_stacks_and_keep_each_samples_labels() {
    let a = one(100, "1", &[(&["main", "hot"], 70), (&["main", "cold"], 30)]);
    let b = one(110, "2", &[(&["main", "hot"], 5), (&["main", "other"], 25)]);
    assert_eq!(shape(&a), shape(&b));
    let merged = merge(&[a, b], &[]);
    assert_eq!(
        (merged.time_nanos, merged.duration_nanos),
        (100_000_000_000, 20_000_000_000)
    );
    let limits = Limits {
        max_decoded_bytes: 1 << 20,
        max_stack_depth: 16,
    };
    let bytes = merged.encode_to_vec();
    let stats = parse_file(&bytes, limits).unwrap().stats(0).unwrap();
    let selves: Vec<(&str, u64)> = stats
        .functions
        .iter()
        .map(|f| (f.name.as_str(), f.self_samples))
        .collect();
    assert_eq!(
        selves,
        [("hot", 75), ("cold", 30), ("other", 25), ("main", 0)]
    );
    let v2 = |pairs: &[(&str, &str)]| pairs.contains(&("version", "2"));
    let only_v2 = pf_pprof::parse_file_where(&bytes, limits, Some(&v2));
    assert_eq!(only_v2.unwrap().stats(0).unwrap().total_samples, 30);
}

#[test]
fn merged_snapshots_are_averaged_over_the_time_they_cover() {
    let heap = ("inuse_space", "bytes");
    // Two 10-s snapshots of one process back to back: 100 then 300 bytes held by `cache`.
    let a = typed(heap, 100, "1", &[(&["main", "cache"], 100)]);
    let b = typed(heap, 110, "1", &[(&["main", "cache"], 300)]);
    let merged = merge(&[a.clone(), b.clone()], &["inuse_space/bytes".to_owned()]);
    assert_eq!(merged.sample.len(), 1);
    assert_eq!(merged.sample[0].value, [200]);
    // Not named a snapshot type, the same profiles add up.
    assert_eq!(merge(&[a, b], &[]).sample[0].value, [400]);
}

#[test]
fn merged_profiles_keep_where_their_functions_live() {
    let limits = Limits {
        max_decoded_bytes: 1 << 20,
        max_stack_depth: 16,
    };
    let placed = pf_pprof::test_profiles::placed();
    let mut later = placed.clone();
    later.time_nanos = 10_000_000_000;
    let merged = merge(&[placed.clone(), later], &[]).encode_to_vec();
    for index in [0, 1] {
        let sites = |b: &[u8]| pf_pprof::function_sites(b, limits, index, None);
        let before = sites(&placed.encode_to_vec()).unwrap();
        assert!(before.iter().any(|s| s.start_line.is_some()));
        assert_eq!(sites(&merged).unwrap(), before);
    }
}
