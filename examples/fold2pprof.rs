//! Writes a gzip-compressed pprof profile from folded stacks (`root;caller;leaf 123` per
//! line). `scripts/demo-profiles.sh` makes the bundled demo profiles with it.
//!
//! A frame written `name (path/File.java:42)` is the function `name` of the file
//! `path/File.java`, sampled at its line 42 (pprof `Function.filename`, `Line.line`), as a JFR
//! or Go profile places it; any other frame is a name alone.
//!
//! `cargo run --example fold2pprof -- IN.folded OUT.pb.gz TYPE/UNIT PERIOD_TYPE/UNIT PERIOD TIME_SECS DURATION_SECS [KEY=VALUE,...]`
//! (`TIME_SECS` 0 writes no time: the profile then counts in every window; the optional last
//! argument gives every sample those string labels, e.g. `version=1.4.2`).

use std::process::ExitCode;

use pf_pprof::encode;
use pf_pprof::encode::Header;

fn pair(arg: &str) -> Option<(String, String)> {
    let (kind, unit) = arg.split_once('/')?;
    Some((kind.to_owned(), unit.to_owned()))
}

fn run(args: &[String]) -> Result<(), String> {
    let (args, labels) = match args {
        [head @ .., labels] if args.len() == 8 => (head, labels.as_str()),
        _ => (args, ""),
    };
    let [input, output, sample_type, period_type, period, time, duration] = args else {
        return Err(
            "usage: fold2pprof IN OUT TYPE/UNIT PERIOD_TYPE/UNIT PERIOD TIME_SECS \
             DURATION_SECS [KEY=VALUE,...]"
                .into(),
        );
    };
    let labels = labels
        .split(',')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (k, v) = l.split_once('=').ok_or(format!("{l}: not KEY=VALUE"))?;
            Ok((k.to_owned(), v.to_owned()))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let number = |s: &str| s.parse::<i64>().map_err(|e| format!("{s}: {e}"));
    let text = std::fs::read_to_string(input).map_err(|e| format!("{input}: {e}"))?;
    let stacks = encode::parse_folded(&text)
        .map_err(|line| format!("{input}:{line}: not `frames count`"))?;
    let header = Header {
        sample_types: vec![pair(sample_type).ok_or("TYPE/UNIT")?],
        period_type: Some(pair(period_type).ok_or("PERIOD_TYPE/UNIT")?),
        period: number(period)?,
        time_nanos: number(time)?.saturating_mul(1_000_000_000),
        duration_nanos: number(duration)?.saturating_mul(1_000_000_000),
        labels,
    };
    let profile = encode::profile_of_frames(&header, &stacks, encode::Frame::placed);
    let bytes = encode::to_bytes(&profile, true);
    std::fs::write(output, bytes).map_err(|e| format!("{output}: {e}"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fold2pprof: {e}");
            ExitCode::from(2)
        }
    }
}
