//! The pprof readers: what `/ingest` keeps (the push's one decode) and what every read parses.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pf_ingest::{ingest_body, BodyForm, IngestQuery};
use pf_pprof::{decompress, parse_file, DecodedPprof, Limits};

const LIMITS: Limits = Limits {
    max_decoded_bytes: 1 << 20,
    max_stack_depth: 256,
};

fuzz_target!(|body: &[u8]| {
    if let Ok(raw) = decompress(body, LIMITS) {
        let _ = DecodedPprof::read(&raw, LIMITS);
        let _ = parse_file(&raw, LIMITS);
    }
    let query = IngestQuery {
        name: "fuzzed{version=1}".into(),
        ..IngestQuery::default()
    };
    let body = bytes::Bytes::copy_from_slice(body);
    let _ = ingest_body(&query, BodyForm::Pprof, body, LIMITS.max_decoded_bytes);
});
