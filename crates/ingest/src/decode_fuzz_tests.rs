//! Every decoder a push or a query reaches, under bytes no agent would send (SPEC §34): a
//! property-test harness (proptest) that feeds arbitrary and mutated bodies to the Connect push,
//! OTLP, `/ingest` (pprof, JFR, multipart, folded, lines) and pprof readers and arbitrary text
//! to the query-parameter parsers, and asserts that each answers a value or a refusal, never a
//! panic. `FUZZ_CASES` sets the cases per property (CI: scripts/fuzz.sh runs it longer).

use std::str::FromStr;

use proptest::prelude::*;

use crate::{
    decode_otlp, decode_push, ingest_body, parse_name, BodyForm, IngestQuery, WireEncoding,
};
use pf_model::{AppName, LabelSelector, ProfileType, WindowBounds};
use pf_pprof::encode::{profile, to_bytes, Header, Stack};
use pf_pprof::{decompress, parse_file, DecodedPprof, Limits};

/// A small budget, so that a body claiming a large size is refused quickly.
const BUDGET: u64 = 1 << 20;
const LIMITS: Limits = Limits {
    max_decoded_bytes: BUDGET,
    max_stack_depth: 256,
};

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

/// A real pprof an agent could send, to mutate.
fn seed_pprof(gzip: bool) -> Vec<u8> {
    let header = Header {
        sample_types: vec![("cpu".into(), "nanoseconds".into())],
        period_type: Some(("cpu".into(), "nanoseconds".into())),
        period: 10_000_000,
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
    to_bytes(&profile(&header, &stacks), gzip)
}

/// Every reader of a push body, on `body`.
fn read_everything(body: &[u8], gzipped: bool) {
    for encoding in [WireEncoding::Proto, WireEncoding::Json] {
        let _ = decode_push(body, encoding, gzipped, ("service_name", BUDGET));
        let _ = decode_otlp(body, encoding, gzipped, BUDGET);
    }
    let query = IngestQuery {
        name: "fuzzed{version=1}".into(),
        ..IngestQuery::default()
    };
    let forms = [
        BodyForm::Pprof,
        BodyForm::Jfr,
        BodyForm::Folded,
        BodyForm::Lines,
        BodyForm::Multipart("boundary".into()),
    ];
    for form in forms {
        let _ = ingest_body(&query, form, bytes::Bytes::copy_from_slice(body), BUDGET);
    }
    let _ = BodyForm::of(None, "multipart/form-data; boundary=x", body);
    if let Ok(raw) = decompress(body, LIMITS) {
        let _ = DecodedPprof::read(&raw, LIMITS);
        let _ = parse_file(&raw, LIMITS);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bodies_are_read_or_refused(
        body in proptest::collection::vec(any::<u8>(), 0..2048),
        gzipped in any::<bool>(),
    ) {
        read_everything(&body, gzipped);
    }

    #[test]
    fn a_real_pprof_mutated_is_read_or_refused(
        gzip in any::<bool>(),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..16),
        cut in any::<usize>(),
    ) {
        let mut body = seed_pprof(gzip);
        for (at, byte) in flips {
            let at = at % body.len();
            body[at] = byte;
        }
        read_everything(&body, false);
        body.truncate(cut % (body.len() + 1));
        read_everything(&body, false);
    }

    #[test]
    fn query_parameters_are_parsed_or_refused(
        text in "\\PC{0,120}",
        from in any::<i64>(),
        to in any::<i64>(),
        now in 0_i64..4_102_444_800,
    ) {
        let _ = LabelSelector::parse(Some(&text), "labels");
        let _ = AppName::from_str(&text);
        let _ = ProfileType::from_str(&text);
        let _ = ProfileType::parse_list(&text);
        let _ = parse_name(&text);
        let bounds = WindowBounds::new(now, 31);
        if let Ok(window) = bounds.resolve(Some(from), Some(to)) {
            // What the bounds let through is a window within them.
            prop_assert!(window.to - window.from <= 31 * 86_400);
            prop_assert!(window.to <= now + pf_model::FUTURE_SLACK_SECS);
        }
        let _ = bounds.resolve(None, Some(to));
        let _ = bounds.resolve(Some(from), None);
    }
}
