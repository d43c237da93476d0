//! The JFR reader on content made here; real recordings of a JVM are read in
//! tests/real_jvm.rs.

use prost::Message;

use super::chunks::check_framing;
use super::labels::{Context, LabelsSnapshot};
use super::*;

/// A chunk header of `size` bytes (compressed integers), metadata and constant pool at 68.
fn header(size: i64) -> Vec<u8> {
    let mut h = b"FLR\0".to_vec();
    h.extend(2u16.to_be_bytes());
    h.extend(0u16.to_be_bytes());
    h.extend(size.to_be_bytes());
    h.extend(68i64.to_be_bytes()); // constant pool
    h.extend(68i64.to_be_bytes()); // metadata
    h.extend([0u8; 32]); // start, duration, start ticks, ticks per second
    h.extend(1i32.to_be_bytes()); // compressed integers
    h
}

#[test]
fn only_content_that_starts_as_a_chunk_is_jfr() {
    assert!(is_jfr(b"FLR\0\0\x02"));
    assert!(!is_jfr(b"\x1f\x8b"));
    assert!(!is_jfr(b"FL"));
}

#[test]
fn garbage_and_broken_framing_are_reasons_not_panics() {
    let reason = |bytes: &[u8]| match jfr_profiles(bytes, None) {
        Err(JfrError::Malformed(reason)) => reason,
        other => panic!("{other:?}"),
    };
    assert!(reason(b"").contains("no chunk"));
    assert!(reason(b"not a recording at all, just text").contains("magic"));
    assert!(reason(&header(68)[..40]).contains("truncated header"));
    // A chunk that says it is larger than the file (a recording cut short).
    assert!(reason(&header(1 << 40)).contains("are left"));
    // An event of size 0 would be read again forever.
    let mut zero = header(70);
    zero.extend([0, 0]);
    assert!(reason(&zero).contains("does not fit"));
    // A constant pool that points at itself.
    let mut looped = header(68 + 8);
    looped.extend([8, 1, 0, 0, 68, 0, 0, 0]);
    assert!(check_framing(&looped)
        .unwrap_err()
        .contains("constant pool"));
    // Well framed, yet nothing jfrs can read: still a reason.
    let mut empty = header(68 + 2);
    empty.extend([2, 0]);
    assert!(matches!(
        jfr_profiles(&empty, None),
        Err(JfrError::Malformed(_))
    ));
}

#[test]
fn a_labels_part_that_is_not_a_snapshot_is_refused() {
    let err = jfr_profiles(b"FLR\0", Some(b"\xff\xff\xff")).unwrap_err();
    assert!(err.to_string().contains("LabelsSnapshot"), "{err}");
}

#[test]
fn contexts_resolve_to_their_label_pairs() {
    let snapshot = LabelsSnapshot {
        contexts: [(
            7,
            Context {
                labels: [(1, 2), (3, 9)].into(),
            },
        )]
        .into(),
        strings: [
            (1, "route".to_owned()),
            (2, "/cart".to_owned()),
            (3, "x".to_owned()),
        ]
        .into(),
    };
    let labels = ContextLabels::decode(&snapshot.encode_to_vec()).unwrap();
    assert_eq!(labels.of(7), [("route".to_owned(), "/cart".to_owned())]);
    assert!(labels.of(0).is_empty());
}

#[test]
fn samples_become_a_pprof_of_the_shape_with_labels() {
    let mut samples = Samples::default();
    let (spin, main) = (
        samples.location("Hot.spin", 7),
        samples.location("Workload.main", 0),
    );
    let stack = samples.stack(vec![spin, main]);
    samples.add(stack, 7, EXEC, 3);
    samples.add(stack, 0, CONTENTIONS, 1);
    let snapshot = LabelsSnapshot {
        contexts: [(
            7,
            Context {
                labels: [(1, 2)].into(),
            },
        )]
        .into(),
        strings: [(1, "route".to_owned()), (2, "/cart".to_owned())].into(),
    };
    let labels = ContextLabels::decode(&snapshot.encode_to_vec()).unwrap();
    let shape = Shape {
        columns: vec![Column {
            kind: "cpu",
            unit: "nanoseconds",
            sum: vec![(EXEC, 10)],
        }],
        period_type: Some(("cpu", "nanoseconds")),
        period: 10,
    };
    let p = samples.profile(&shape, &labels).unwrap();
    let text = |i: i64| String::from_utf8_lossy(&p.string_table[i as usize]).into_owned();
    assert_eq!(p.string_table[0], b"");
    assert_eq!(p.sample.len(), 1, "the lock-only sample has no cpu");
    assert_eq!(p.sample[0].value, [30]);
    assert_eq!(p.sample[0].location_id, [spin, main]);
    assert_eq!(text(p.function[0].name), "Hot.spin");
    let label = &p.sample[0].label[0];
    assert_eq!(
        (text(label.key), text(label.str)),
        ("route".into(), "/cart".into())
    );
    let none = Shape {
        columns: vec![Column {
            kind: "x",
            unit: "y",
            sum: vec![(DELAY, 1)],
        }],
        ..shape
    };
    assert!(samples.profile(&none, &labels).is_none());
}

#[test]
fn setting_durations_read_in_nanoseconds() {
    assert_eq!(nanos("10 ms"), Some(10_000_000));
    assert_eq!(nanos("20000 us"), Some(20_000_000));
    assert_eq!(nanos("1 s"), Some(1_000_000_000));
    assert_eq!(nanos("10000000"), Some(10_000_000));
    assert_eq!(nanos("off"), None);
    assert_eq!(nanos("0 ms"), None);
}
