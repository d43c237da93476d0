//! OTLP/HTTP profiles, protobuf and JSON, gzip or not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pf_ingest::{decode_otlp, WireEncoding};

fuzz_target!(|body: &[u8]| {
    for encoding in [WireEncoding::Proto, WireEncoding::Json] {
        for gzipped in [false, true] {
            let _ = decode_otlp(body, encoding, gzipped, 1 << 20);
        }
    }
});
