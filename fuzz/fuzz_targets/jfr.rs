//! JFR recordings (`/ingest?format=jfr`, and a JFR file read from a directory).
#![no_main]

use libfuzzer_sys::fuzz_target;
use pf_ingest::{ingest_body, BodyForm, IngestQuery};
use pf_pprof::{parse_file, Limits};

const LIMITS: Limits = Limits {
    max_decoded_bytes: 1 << 20,
    max_stack_depth: 256,
};

fuzz_target!(|body: &[u8]| {
    let query = IngestQuery {
        name: "fuzzed".into(),
        ..IngestQuery::default()
    };
    let bytes = bytes::Bytes::copy_from_slice(body);
    let _ = ingest_body(&query, BodyForm::Jfr, bytes, LIMITS.max_decoded_bytes);
    let _ = parse_file(body, LIMITS);
});
