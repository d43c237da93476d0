//! The gate's decision: ask for the report, print it, map its verdict to the exit code.

use std::io::Write;
use std::process::ExitCode;

use super::args::{FailOn, GateArgs, OutputFormat};
use super::call::{diff_url, DiffClient, GateError, Report};

/// The verdict is below `--fail-on`.
const EXIT_PASS: u8 = 0;
/// The verdict is at or above `--fail-on`.
const EXIT_FAIL: u8 = 1;
/// No verdict: the service, or Pyroscope behind it, did not give one; or bad arguments.
const EXIT_CANNOT_DECIDE: u8 = 2;

/// A report's verdict, mildest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Pass,
    Warn,
    Fail,
}

impl Verdict {
    fn parse(text: &str) -> Result<Self, GateError> {
        match text {
            "pass" => Ok(Verdict::Pass),
            "warn" => Ok(Verdict::Warn),
            "fail" => Ok(Verdict::Fail),
            other => Err(GateError::UnknownVerdict(other.to_owned())),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }
}

impl From<FailOn> for Verdict {
    fn from(fail_on: FailOn) -> Self {
        match fail_on {
            FailOn::Warn => Verdict::Warn,
            FailOn::Fail => Verdict::Fail,
        }
    }
}

/// Runs the gate to its exit code; the report goes to stdout, the outcome or the reason there
/// is none to stderr.
pub fn run(args: &GateArgs) -> ExitCode {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let outcome = match runtime {
        Ok(runtime) => runtime.block_on(decide(args)),
        Err(e) => Err(GateError::Setup(e.to_string())),
    };
    match outcome {
        Ok((verdict, commit)) => {
            let fails = verdict >= Verdict::from(args.fail_on);
            let code = if fails { EXIT_FAIL } else { EXIT_PASS };
            let likeliest = match commit {
                Some(commit) if fails => format!(", likeliest commit {commit}"),
                _ => String::new(),
            };
            eprintln!(
                "gate: {}: verdict {}, failing at {} or worse: exit {code}{likeliest}",
                args.app,
                verdict.as_str(),
                Verdict::from(args.fail_on).as_str()
            );
            ExitCode::from(code)
        }
        Err(e) => {
            eprintln!("gate: cannot decide: {e}");
            ExitCode::from(EXIT_CANNOT_DECIDE)
        }
    }
}

/// Asks for the JSON report, reads its verdict and the likeliest commit it names, and prints
/// the report in the asked format. Markdown is a second request for the windows the JSON
/// report stated.
async fn decide(args: &GateArgs) -> Result<(Verdict, Option<String>), GateError> {
    let client = DiffClient::new(args)?;
    let url = diff_url(args, None, "json")?;
    let json = client.get(&url).await?;
    let report = Report::parse(&url, &json)?;
    let verdict = Verdict::parse(&report.summary.verdict)?;
    if let Some(entry) = report.deciding() {
        eprintln!("gate: deciding function {}", entry.explained());
    }
    let text = match args.format {
        OutputFormat::Json => json,
        OutputFormat::Markdown => {
            client
                .get(&diff_url(args, Some(&report), "markdown")?)
                .await?
        }
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&text)?;
    if !text.ends_with(b"\n") {
        stdout.write_all(b"\n")?;
    }
    stdout.flush()?;
    Ok((verdict, report.likeliest_commit()))
}
