//! The CPU one push costs the store, phase by phase (docs/performance.md, "Pushes from
//! agents"): `cargo run --release --example push_cost -- BODY [N]`, BODY a pushed pprof (gzip or
//! raw), e.g. the one `scripts/ingest_bench.sh` writes to target/ingest-bench/body.pb.gz. Each
//! phase runs N (2 000) times on this thread; the figure is this thread's CPU time per run, so
//! other processes on the machine inflate it less than they inflate wall time.

use std::io::Write;
use std::process::ExitCode;

use pf_ingest::{LabelSet, Pushed};
use pf_pprof::{decompress, parse_file, proto, DecodedPprof, Limits};
use pf_profile_files::stored_profile;
use prost::Message;

const LIMITS: Limits = Limits {
    max_decoded_bytes: 256 << 20,
    max_stack_depth: 4096,
};

/// This thread's CPU time, in seconds.
fn cpu_secs() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// Runs `f` `n` times and prints its CPU time per run; `f` returns a size so that nothing is
/// optimized away.
fn phase(name: &str, n: usize, mut f: impl FnMut() -> usize) {
    let start = cpu_secs();
    let sizes: usize = (0..n).map(|_| f()).sum();
    let per_run = (cpu_secs() - start) / n as f64 * 1e6;
    println!("{name:42} {per_run:8.1} µs  ({} bytes)", sizes / n.max(1));
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(path), n) = (args.next(), args.next()) else {
        eprintln!("usage: push_cost BODY [N]");
        return ExitCode::from(2);
    };
    let n = n.and_then(|n| n.parse().ok()).unwrap_or(2_000);
    let body = match std::fs::read(&path) {
        Ok(body) => bytes::Bytes::from(body),
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let raw = match decompress(&body, LIMITS) {
        Ok(raw) => raw.into_owned(),
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{path}: {} bytes, {} decompressed", body.len(), raw.len());
    let mut labels = LabelSet::default();
    labels.insert("version", "1");
    let pushed = Pushed {
        app: "bench".parse().expect("an app name"),
        labels,
        window: None,
        pprof: body.clone(),
    };
    let ok = |r: Result<usize, String>| r.unwrap_or_else(|e| panic!("{e}"));
    phase("gunzip", n, || {
        ok(decompress(&body, LIMITS)
            .map(|r| r.len())
            .map_err(|e| e.to_string()))
    });
    phase("decode once (DecodedPprof::read)", n, || {
        ok(DecodedPprof::read(&raw, LIMITS)
            .map(|_| raw.len())
            .map_err(|e| e.to_string()))
    });
    let Ok(mut decoded) = DecodedPprof::read(&raw, LIMITS) else {
        return ExitCode::FAILURE;
    };
    let label = [proto::Label {
        key: decoded.string("version"),
        str: decoded.string("1"),
    }];
    phase("encode, relabelled", n, || decoded.encode(&label).len());
    let encoded = decoded.encode(&label);
    phase("gzip (fast)", n, || {
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        ok(gzip
            .write_all(&encoded)
            .and_then(|()| gzip.finish())
            .map(|z| z.len())
            .map_err(|e| e.to_string()))
    });
    phase("all of it (stored_profile)", n, || {
        ok(stored_profile(&pushed, 1, LIMITS)
            .map(|s| s.bytes.len())
            .map_err(|e| e.to_string()))
    });
    println!("what the store did before a push was decoded once:");
    phase("  the reader's check (parse_file)", n, || {
        ok(parse_file(&raw, LIMITS)
            .map(|p| p.node_count())
            .map_err(|e| e.to_string()))
    });
    phase("  then prost's decode of the whole profile", n, || {
        ok(proto::Profile::decode(&*raw)
            .map(|p| p.sample.len())
            .map_err(|e| e.to_string()))
    });
    let Ok(profile) = proto::Profile::decode(&*raw) else {
        return ExitCode::FAILURE;
    };
    phase("  and prost's encode", n, || profile.encode_to_vec().len());
    ExitCode::SUCCESS
}
