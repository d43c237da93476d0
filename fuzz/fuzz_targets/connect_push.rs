//! Pyroscope's Connect push, protobuf and JSON, gzip or not; and `/ingest`'s other forms.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pf_ingest::{decode_push, ingest_body, BodyForm, IngestQuery, WireEncoding};

fuzz_target!(|body: &[u8]| {
    for encoding in [WireEncoding::Proto, WireEncoding::Json] {
        for gzipped in [false, true] {
            let _ = decode_push(body, encoding, gzipped, ("service_name", 1 << 20));
        }
    }
    let query = IngestQuery {
        name: "fuzzed{version=1}".into(),
        ..IngestQuery::default()
    };
    for form in [
        BodyForm::Multipart("x".into()),
        BodyForm::Folded,
        BodyForm::Lines,
    ] {
        let _ = ingest_body(&query, form, bytes::Bytes::copy_from_slice(body), 1 << 20);
    }
});
