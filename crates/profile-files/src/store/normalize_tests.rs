use super::*;
use crate::store::LabelSet;
use pf_pprof::encode::{profile, to_bytes, Header, Stack};
use pf_pprof::{parse_file, parse_file_where};

const LIMITS: Limits = Limits {
    max_decoded_bytes: 1 << 20,
    max_stack_depth: 64,
};

fn pprof(time_nanos: i64, sample_labels: &[(&str, &str)]) -> bytes::Bytes {
    let header = Header {
        sample_types: vec![("cpu".into(), "nanoseconds".into())],
        time_nanos,
        duration_nanos: 10 * NANOS,
        labels: sample_labels
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
        ..Header::default()
    };
    let stacks = [
        Stack {
            frames: vec!["main".into(), "hot".into()],
            values: vec![70],
        },
        Stack {
            frames: vec!["main".into(), "cold".into()],
            values: vec![30],
        },
    ];
    to_bytes(&profile(&header, &stacks), true).into()
}

fn pushed(pprof: bytes::Bytes, labels: &[(&str, &str)], window: Option<(i64, i64)>) -> Pushed {
    let mut set = LabelSet::default();
    for (k, v) in labels {
        set.insert(k, v);
    }
    Pushed {
        app: "busy".parse().unwrap(),
        labels: set,
        window,
        pprof,
    }
}

/// The value of label `name` on the samples of a stored file, as a selector would see them.
fn sample_label(bytes: &[u8], name: &str) -> Vec<String> {
    let seen = std::sync::Mutex::new(Vec::new());
    let collect = |pairs: &[(&str, &str)]| {
        let value = pairs
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned());
        seen.lock().unwrap().push(value.unwrap_or_default());
        true
    };
    parse_file_where(bytes, LIMITS, Some(&collect)).unwrap();
    seen.into_inner().unwrap()
}

#[test]
fn the_push_labels_go_onto_every_sample_and_a_sample_label_wins() {
    let push = pushed(
        pprof(5 * NANOS, &[("region", "eu")]),
        &[("version", "2.0"), ("region", "us")],
        None,
    );
    let stored = stored_profile(&push, 99, LIMITS).unwrap();
    assert_eq!(sample_label(&stored.bytes, "version"), ["2.0", "2.0"]);
    assert_eq!(sample_label(&stored.bytes, "region"), ["eu", "eu"]);
    let parsed = parse_file(&stored.bytes, LIMITS).unwrap();
    let stats = parsed.stats(0).unwrap();
    assert_eq!(
        (stats.total_samples, stats.functions[0].name.as_str()),
        (100, "hot")
    );
}

#[test]
fn the_time_is_the_window_then_the_profile_then_the_arrival() {
    let windowed = stored_profile(
        &pushed(pprof(5 * NANOS, &[]), &[], Some((1000, 1010))),
        99,
        LIMITS,
    )
    .unwrap();
    let parsed = parse_file(&windowed.bytes, LIMITS).unwrap();
    assert_eq!(
        (windowed.time_secs, parsed.time_nanos, parsed.duration_nanos),
        (1000, 1000 * NANOS, 10 * NANOS)
    );
    let own = stored_profile(&pushed(pprof(5 * NANOS, &[]), &[], None), 99, LIMITS).unwrap();
    assert_eq!(own.time_secs, 5);
    let arrived = stored_profile(&pushed(pprof(0, &[]), &[], None), 99, LIMITS).unwrap();
    assert_eq!(arrived.time_secs, 99 - UNTIMED_SECS);
}

#[test]
fn what_the_reader_cannot_read_is_refused() {
    let garbage = stored_profile(
        &pushed(bytes::Bytes::from_static(b"not a profile"), &[], None),
        1,
        LIMITS,
    );
    assert!(
        matches!(garbage, Err(IngestError::Malformed(_))),
        "{garbage:?}"
    );
    let small = Limits {
        max_decoded_bytes: 64,
        max_stack_depth: 64,
    };
    let big = stored_profile(&pushed(pprof(1, &[]), &[], None), 1, small);
    assert!(matches!(big, Err(IngestError::TooLarge(_))), "{big:?}");
}
