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

#[test]
fn one_decode_budget_is_shared_by_every_profile_of_a_push() {
    let one = pushed(pprof(5 * NANOS, &[]), &[("service_name", "a")], None);
    let size = decompress(&one.pprof, LIMITS).unwrap().len() as u64;
    // Room for two of them, not three: each is under the bound alone.
    let limits = Limits {
        max_decoded_bytes: 2 * size + size / 2,
        ..LIMITS
    };
    let mut reserved = Vec::new();
    let mut reserve = |bytes: u64| -> Result<(), IngestError> {
        reserved.push(bytes);
        Ok(())
    };
    let two = vec![one.clone(), one.clone()];
    let files = stored_profiles(&two, 100, limits, &mut reserve, |_, f| Ok(f)).unwrap();
    assert_eq!(files.len(), 2);
    let three = vec![one.clone(), one.clone(), one];
    let refused = stored_profiles(&three, 100, limits, &mut reserve, |_, f| Ok(f)).unwrap_err();
    assert!(
        matches!(&refused, IngestError::TooLarge(m) if m.contains("together")),
        "{refused:?}"
    );
    // Each profile's decoding was reserved before it was decompressed, by the size its gzip
    // trailer states.
    let stated = stated_size(&two[0].pprof) * DECODING_PER_BYTE;
    assert!(stated >= size * DECODING_PER_BYTE);
    assert_eq!(reserved[..2], [stated, stated]);
}

#[test]
fn a_gzip_stream_longer_than_its_trailer_says_is_refused_and_a_refused_reservation_stops_all() {
    let header = Header {
        sample_types: vec![("cpu".into(), "nanoseconds".into())],
        ..Header::default()
    };
    let spin = Stack {
        frames: vec!["main".into(), "spin".into()],
        values: vec![1],
    };
    // 1 000 samples: about 10 KB decompressed, a few hundred bytes of gzip.
    let many = to_bytes(&profile(&header, &vec![spin; 1000]), true);
    let one = pushed(many.into(), &[("service_name", "a")], None);
    let mut lying = one.pprof.to_vec();
    let at = lying.len() - 4;
    lying[at..].copy_from_slice(&10u32.to_le_bytes());
    let lying = Pushed {
        pprof: lying.into(),
        ..one.clone()
    };
    let mut fine = |_: u64| -> Result<(), IngestError> { Ok(()) };
    let refused = stored_profiles(&[lying], 100, LIMITS, &mut fine, |_, f| Ok(f)).unwrap_err();
    assert!(
        matches!(&refused, IngestError::Malformed(m) if m.contains("trailer")),
        "{refused:?}"
    );
    let mut none =
        |_: u64| -> Result<(), IngestError> { Err(IngestError::TooLarge("no memory".into())) };
    let refused = stored_profiles(&[one], 100, LIMITS, &mut none, |_, f| Ok(f)).unwrap_err();
    assert_eq!(refused, IngestError::TooLarge("no memory".into()));
}
