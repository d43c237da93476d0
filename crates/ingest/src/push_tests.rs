use std::io::Write;

use base64::Engine;
use prost::Message;

use super::*;
use pf_formats::formats::pyroscope_api::push::{RawProfileSeries, RawSample};
use pf_formats::formats::pyroscope_api::LabelPair;

pub(crate) fn request(labels: &[(&str, &str)], profiles: &[&[u8]]) -> PushRequest {
    PushRequest {
        series: vec![RawProfileSeries {
            labels: labels
                .iter()
                .map(|(name, value)| LabelPair {
                    name: (*name).into(),
                    value: (*value).into(),
                })
                .collect(),
            samples: profiles
                .iter()
                .map(|p| RawSample {
                    raw_profile: bytes::Bytes::copy_from_slice(p),
                })
                .collect(),
        }],
    }
}

const SDK_LABELS: [(&str, &str); 4] = [
    ("__name__", "process_cpu"),
    ("service_name", "busy"),
    ("version", "1.0.0"),
    ("otel.scope.name", "pyroscope"),
];

#[test]
fn a_protobuf_push_gives_one_profile_per_sample_with_the_series_labels() {
    let body = request(&SDK_LABELS, &[b"first", b"second"]).encode_to_vec();
    let pushed = decode_push(&body, WireEncoding::Proto, false, ("service_name", 1 << 20)).unwrap();
    assert_eq!(pushed.len(), 2);
    assert_eq!(pushed[0].app, "busy");
    assert_eq!(&pushed[1].pprof[..], b"second");
    assert_eq!(
        pushed[0].labels.pairs(),
        [
            ("__name__", "process_cpu"),
            ("otel_scope_name", "pyroscope"),
            ("version", "1.0.0")
        ]
    );
    assert_eq!(pushed[0].window, None);
}

#[test]
fn a_gzipped_push_is_read_within_its_bound() {
    let body = request(&SDK_LABELS, &[&[7u8; 4096]]).encode_to_vec();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&body).unwrap();
    let gz = gz.finish().unwrap();
    let pushed = decode_push(&gz, WireEncoding::Proto, true, ("service_name", 1 << 20)).unwrap();
    assert_eq!(pushed[0].pprof.len(), 4096);
    let refused = decode_push(&gz, WireEncoding::Proto, true, ("service_name", 1000));
    assert!(
        matches!(refused, Err(IngestError::TooLarge(_))),
        "{refused:?}"
    );
    let garbled = decode_push(
        b"\x1f\x8bnot gzip",
        WireEncoding::Proto,
        true,
        ("service_name", 1000),
    );
    assert!(
        matches!(garbled, Err(IngestError::Malformed(_))),
        "{garbled:?}"
    );
}

#[test]
fn connect_json_reads_like_protobuf() {
    let raw = base64::engine::general_purpose::STANDARD.encode(b"pprof bytes");
    let body = serde_json::json!({"series": [{
        "labels": [{"name": "service_name", "value": "busy"}, {"name": "version", "value": "2"}],
        "samples": [{"rawProfile": raw, "ID": "abc"}]
    }]});
    let pushed = decode_push(
        body.to_string().as_bytes(),
        WireEncoding::Json,
        false,
        ("service_name", 1 << 20),
    )
    .unwrap();
    assert_eq!(pushed[0].app, "busy");
    assert_eq!(&pushed[0].pprof[..], b"pprof bytes");
    assert_eq!(pushed[0].labels.pairs(), [("version", "2")]);
}

#[test]
fn a_push_without_an_app_or_a_profile_or_in_another_shape_is_refused() {
    let limits = ("service_name", 1 << 20);
    let nameless = request(&[("__name__", "process_cpu")], &[b"x"]).encode_to_vec();
    let empty = request(&SDK_LABELS, &[]).encode_to_vec();
    for body in [nameless, empty, b"\xff\xff\xff".to_vec()] {
        let refused = decode_push(&body, WireEncoding::Proto, false, limits);
        assert!(
            matches!(refused, Err(IngestError::Malformed(_))),
            "{refused:?}"
        );
    }
    for body in [
        &b"{"[..],
        br#"{"series":[{"samples":[{"rawProfile":"%%"}]}]}"#,
    ] {
        let refused = decode_push(body, WireEncoding::Json, false, limits);
        assert!(
            matches!(refused, Err(IngestError::Malformed(_))),
            "{refused:?}"
        );
    }
}
