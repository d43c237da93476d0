use std::collections::HashMap;

use prost::Message;

use super::*;
use crate::encode::{profile, to_bytes, Header, Stack};
use crate::parse_file;

const LIMITS: Limits = Limits {
    max_decoded_bytes: 1 << 20,
    max_stack_depth: 64,
};

fn stacks() -> Vec<Stack> {
    [
        ("main;a;b", 3),
        ("main;a;c", 0),
        ("main;d", 4),
        ("main;a;b", 5),
    ]
    .iter()
    .map(|(frames, value)| Stack {
        frames: frames.split(';').map(str::to_owned).collect(),
        values: vec![*value, value * 1000],
    })
    .collect()
}

/// A profile of two sample types whose samples carry `region=eu`, a period and a time.
fn sample_profile() -> proto::Profile {
    let header = Header {
        sample_types: vec![
            ("samples".into(), "count".into()),
            ("cpu".into(), "nanoseconds".into()),
        ],
        period_type: Some(("cpu".into(), "nanoseconds".into())),
        period: 10_000_000,
        time_nanos: 5_000_000_000,
        duration_nanos: 10_000_000_000,
        labels: vec![("region".into(), "eu".into())],
    };
    let mut p = profile(&header, &stacks());
    // One sample without the label, so that the push's `region` is added to it alone.
    p.sample[1].label.clear();
    p
}

/// `profile`'s bytes with one more sample whose location ids and values are not packed.
fn with_unpacked_sample(p: &proto::Profile) -> Vec<u8> {
    let mut bytes = p.encode_to_vec();
    let mut sample = Vec::new();
    for (tag, value) in [(1, 1u64), (1, 2), (2, 7), (2, 7000)] {
        prost::encoding::encode_key(tag, prost::encoding::WireType::Varint, &mut sample);
        prost::encoding::encode_varint(value, &mut sample);
    }
    prost::encoding::bytes::encode(2, &sample, &mut bytes);
    bytes
}

/// What the store wrote before a push was decoded once: prost's decode, the labels added to
/// each sample without one of their key, prost's encode.
fn prost_relabelled(bytes: &[u8], labels: &[(&str, &str)], time: (i64, i64)) -> Vec<u8> {
    let mut p = proto::Profile::decode(bytes).unwrap();
    let mut index: HashMap<Vec<u8>, i64> = HashMap::new();
    for (i, s) in p.string_table.iter().enumerate() {
        index.entry(s.clone()).or_insert(i as i64);
    }
    let mut string = |s: &str| {
        *index.entry(s.as_bytes().to_vec()).or_insert_with(|| {
            p.string_table.push(s.as_bytes().to_vec());
            p.string_table.len() as i64 - 1
        })
    };
    let pairs: Vec<proto::Label> = labels
        .iter()
        .map(|(k, v)| proto::Label {
            key: string(k),
            str: string(v),
        })
        .collect();
    for sample in &mut p.sample {
        for pair in &pairs {
            if !sample.label.iter().any(|l| l.key == pair.key) {
                sample.label.push(*pair);
            }
        }
    }
    (p.time_nanos, p.duration_nanos) = time;
    p.encode_to_vec()
}

#[test]
fn written_again_a_decoded_profile_is_the_bytes_prost_writes() {
    let p = sample_profile();
    for bytes in [p.encode_to_vec(), with_unpacked_sample(&p)] {
        let labels = [("region", "us"), ("version", "1.4.2"), ("cpu", "x")];
        let mut decoded = DecodedPprof::read(&bytes, LIMITS).unwrap();
        let added: Vec<proto::Label> = labels
            .iter()
            .map(|(k, v)| proto::Label {
                key: decoded.string(k),
                str: decoded.string(v),
            })
            .collect();
        decoded.set_time(7, 8);
        assert_eq!(
            decoded.encode(&added),
            prost_relabelled(&bytes, &labels, (7, 8))
        );
        let plain = DecodedPprof::read(&bytes, LIMITS).unwrap();
        let own_time = (5_000_000_000, 10_000_000_000);
        assert_eq!(plain.encode(&[]), prost_relabelled(&bytes, &[], own_time));
    }
}

#[test]
fn the_one_decode_refuses_what_the_reader_refuses_with_its_reason() {
    let good = sample_profile();
    let mut bad_location = good.clone();
    bad_location.sample[0].location_id.push(99);
    let mut short_sample = good.clone();
    short_sample.sample[2].value.pop();
    let mut no_types = good.clone();
    no_types.sample_type.clear();
    let deep = profile(
        &Header {
            sample_types: vec![("cpu".into(), "nanoseconds".into())],
            ..Header::default()
        },
        &[Stack {
            frames: (0..100).map(|i| format!("f{i}")).collect(),
            values: vec![1],
        }],
    );
    let encoded = [&bad_location, &short_sample, &no_types, &deep].map(|p| p.encode_to_vec());
    let truncated = good.encode_to_vec()[..40].to_vec();
    for bytes in encoded
        .iter()
        .chain([&truncated, &b"not a profile".to_vec()])
    {
        let reader = parse_file(bytes, LIMITS).map(drop);
        let once = DecodedPprof::read(bytes, LIMITS).map(drop);
        assert!(reader.is_err(), "{bytes:?}");
        assert_eq!(once, reader);
    }
    let recording = b"FLR\0\x00\x02\x00\x01".to_vec();
    let refused = DecodedPprof::read(&recording, LIMITS)
        .map(drop)
        .unwrap_err();
    assert_eq!(refused.reason(), "not_pprof");
    assert!(DecodedPprof::read(&to_bytes(&good, false), LIMITS).is_ok());
}

#[test]
fn written_again_a_push_keeps_where_its_functions_live() {
    let bytes = crate::test_profiles::placed().encode_to_vec();
    let written = DecodedPprof::read(&bytes, LIMITS).unwrap().encode(&[]);
    for index in [0, 1] {
        let sites = |b: &[u8]| crate::function_sites(b, LIMITS, index, None);
        let before = sites(&bytes).unwrap();
        assert!(before.iter().any(|s| s.start_line.is_some()));
        assert_eq!(sites(&written).unwrap(), before);
    }
}
