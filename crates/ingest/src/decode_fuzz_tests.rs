//! Every decoder a push or a query reaches, under bytes no agent would send (SPEC §34): a
//! fuzzing harness on proptest's generators, one target per decoder — the pprof readers, JFR,
//! OTLP, the Connect push, `/ingest`'s other forms (multipart, folded, lines) and the
//! query-parameter parsers. Each target feeds arbitrary bytes and mutations of a real message
//! (its seeds) and asserts that every input gives a value or a refusal, never a panic.
//!
//! How long: `FUZZ_SECS` seconds per target, else `FUZZ_CASES` inputs (256 by default, what
//! `cargo test` runs). Each target prints its executions and seeds; a panic fails naming the
//! target, the input and the `FUZZ_SEED` that replays the run. The same decoders run under
//! libFuzzer in CI (`fuzz/`, scripts/fuzz.sh).

use std::fmt::Debug;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::str::FromStr;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
use prost::Message;

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

/// Runs `check` on inputs of `inputs` for `FUZZ_SECS` seconds or `FUZZ_CASES` inputs; fails
/// on the first panic with the input and the seed of the run.
fn fuzz<S>(target: &str, seeds: usize, inputs: S, check: impl Fn(&S::Value))
where
    S: Strategy,
    S::Value: Debug,
{
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let seed = env("FUZZ_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64)
    });
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &key);
    let mut runner = TestRunner::new_with_rng(ProptestConfig::default(), rng);
    let (secs, cases) = (env("FUZZ_SECS"), env("FUZZ_CASES").unwrap_or(256));
    let started = Instant::now();
    let mut executions = 0_u64;
    loop {
        let done = match secs {
            Some(secs) => started.elapsed() >= Duration::from_secs(secs),
            None => executions >= cases,
        };
        if done {
            break;
        }
        let input = match inputs.new_tree(&mut runner) {
            Ok(tree) => tree.current(),
            Err(why) => panic!("{target}: no input: {why}"),
        };
        if catch_unwind(AssertUnwindSafe(|| check(&input))).is_err() {
            panic!("{target} panicked (FUZZ_SEED={seed}) on {input:?}");
        }
        executions += 1;
    }
    eprintln!(
        "fuzz {target}: {executions} executions in {:.1} s, {seeds} seeds (FUZZ_SEED={seed})",
        started.elapsed().as_secs_f64()
    );
}

/// A real pprof an agent could send, to mutate.
fn seed_pprof(gzip: bool) -> Vec<u8> {
    let header = Header {
        sample_types: vec![("cpu".into(), "nanoseconds".into())],
        period_type: Some(("cpu".into(), "nanoseconds".into())),
        period: 10_000_000,
        labels: vec![("thread".into(), "worker".into())],
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

/// A JFR chunk header for `size` bytes in all (compressed integers; metadata and constant pool
/// at 68): what `is_jfr` and the framing check let through to the event reader.
fn jfr_chunk(body: &[u8]) -> Vec<u8> {
    let size = 68 + body.len() as i64;
    let mut chunk = b"FLR\0".to_vec();
    chunk.extend(2u16.to_be_bytes());
    chunk.extend(0u16.to_be_bytes());
    chunk.extend(size.to_be_bytes());
    chunk.extend(68i64.to_be_bytes());
    chunk.extend(68i64.to_be_bytes());
    chunk.extend([0u8; 32]);
    chunk.extend(1i32.to_be_bytes());
    chunk.extend(body);
    chunk
}

/// `seed` with bytes overwritten at `flips` and cut at `cut`.
fn mutated(seed: &[u8], flips: &[(usize, u8)], cut: usize) -> Vec<u8> {
    let mut body = seed.to_vec();
    if body.is_empty() {
        return body;
    }
    for &(at, byte) in flips {
        let at = at % body.len();
        body[at] = byte;
    }
    body.truncate(cut % (body.len() + 1));
    body
}

/// Arbitrary bytes, or one of `seeds` mutated: the inputs of a byte decoder.
fn bodies(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let count = seeds.len();
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048),
        (
            0..count,
            proptest::collection::vec((any::<usize>(), any::<u8>()), 1..16),
            any::<usize>(),
        )
            .prop_map(move |(n, flips, cut)| mutated(&seeds[n], &flips, cut)),
    ]
}

/// The pprof readers: what `/ingest` keeps and what every read parses.
fn read_pprof(body: &[u8]) {
    if let Ok(raw) = decompress(body, LIMITS) {
        let _ = DecodedPprof::read(&raw, LIMITS);
        let _ = parse_file(&raw, LIMITS);
    }
    let query = IngestQuery {
        name: "fuzzed{version=1}".into(),
        ..IngestQuery::default()
    };
    let _ = ingest_body(
        &query,
        BodyForm::Pprof,
        bytes::Bytes::copy_from_slice(body),
        BUDGET,
    );
}

fn ingest_as(form: BodyForm, body: &[u8]) {
    let query = IngestQuery {
        name: "fuzzed{version=1}".into(),
        ..IngestQuery::default()
    };
    let _ = ingest_body(&query, form, bytes::Bytes::copy_from_slice(body), BUDGET);
}

#[test]
fn fuzz_pprof() {
    let seeds = vec![seed_pprof(false), seed_pprof(true)];
    fuzz("pprof", seeds.len(), bodies(seeds), |body| read_pprof(body));
}

#[test]
fn fuzz_jfr() {
    // A chunk with events of arbitrary bytes, and a chunk's header mutated.
    let seeds = vec![jfr_chunk(&[2, 0]), jfr_chunk(&[8, 1, 0, 0, 68, 0, 0, 0])];
    let inputs = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048).prop_map(|body| jfr_chunk(&body)),
        bodies(seeds.clone()),
    ];
    fuzz("jfr", seeds.len(), inputs, |body| {
        ingest_as(BodyForm::Jfr, body);
        if let Ok(raw) = decompress(body, LIMITS) {
            let _ = parse_file(&raw, LIMITS);
        }
    });
}

#[test]
fn fuzz_otlp() {
    let export = crate::otlp::tests::export(Some("busy"), 0);
    let seeds = vec![
        export.encode_to_vec(),
        serde_json::to_vec(&export).unwrap_or_default(),
    ];
    fuzz("otlp", seeds.len(), bodies(seeds), |body| {
        for encoding in [WireEncoding::Proto, WireEncoding::Json] {
            for gzipped in [false, true] {
                let _ = decode_otlp(body, encoding, gzipped, BUDGET);
            }
        }
    });
}

#[test]
fn fuzz_connect_push() {
    let labels = [("__name__", "process_cpu"), ("service_name", "busy")];
    let request = crate::push::tests::request(&labels, &[&seed_pprof(true)]);
    let seeds = vec![
        request.encode_to_vec(),
        serde_json::to_vec(&request).unwrap_or_default(),
    ];
    fuzz("connect push", seeds.len(), bodies(seeds), |body| {
        for encoding in [WireEncoding::Proto, WireEncoding::Json] {
            for gzipped in [false, true] {
                let _ = decode_push(body, encoding, gzipped, ("service_name", BUDGET));
            }
        }
    });
}

#[test]
fn fuzz_ingest_forms() {
    let multipart = b"--x\r\ncontent-disposition: form-data; name=\"profile\"; filename=\"p\"\r\n\
        content-type: application/octet-stream\r\n\r\nbody\r\n--x--\r\n"
        .to_vec();
    let seeds = vec![multipart, b"main;hot 70\nmain;cold 30\n".to_vec()];
    fuzz("ingest forms", seeds.len(), bodies(seeds), |body| {
        ingest_as(BodyForm::Multipart("x".into()), body);
        ingest_as(BodyForm::Folded, body);
        ingest_as(BodyForm::Lines, body);
        let _ = BodyForm::of(None, "multipart/form-data; boundary=x", body);
    });
}

#[test]
fn fuzz_query_parameters() {
    let inputs = (
        "\\PC{0,120}",
        any::<i64>(),
        any::<i64>(),
        0_i64..4_102_444_800,
    );
    fuzz("query parameters", 0, inputs, |(text, from, to, now)| {
        let _ = LabelSelector::parse(Some(text), "labels");
        let _ = AppName::from_str(text);
        let _ = ProfileType::from_str(text);
        let _ = ProfileType::parse_list(text);
        let _ = parse_name(text);
        let bounds = WindowBounds::new(*now, 31);
        if let Ok(window) = bounds.resolve(Some(*from), Some(*to)) {
            // What the bounds let through is a window within them.
            assert!(window.to - window.from <= 31 * 86_400);
            assert!(window.to <= now + pf_model::FUTURE_SLACK_SECS);
        }
        let _ = bounds.resolve(None, Some(*to));
        let _ = bounds.resolve(Some(*from), None);
    });
}
