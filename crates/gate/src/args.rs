//! The `gate` subcommand's arguments.

use clap::{Args, ValueEnum};
use url::Url;

/// Shown after `gate --help`.
const PIPELINE_EXAMPLE: &str = "\
Exit codes: 0 pass (or a verdict below --fail-on), 1 verdict at or above --fail-on,
2 could not decide (service or Pyroscope unreachable, bad arguments; reason on stderr).

Example: a CI job comparing the canary with the stable pods over the last hour
  pyroscope-functions gate --server http://pyroscope-functions:8080 --app checkout \\
    --from \"$(date -d '-1 hour' +%s)\" --to \"$(date +%s)\" \\
    --baseline-labels 'track=\"stable\"' --current-labels 'track=\"canary\"' \\
    --fail-on fail --format markdown > diff-report.md";

/// The verdict at which the gate fails the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 1 on `warn` or `fail`.
    Warn,
    /// Exit 1 on `fail` only.
    Fail,
}

/// What the gate prints to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// The report as Markdown, ready to post to a pull request.
    Markdown,
    /// The report as the service's JSON.
    Json,
}

/// `gate`: one diff report, its verdict as the exit code.
#[derive(Args)]
#[command(after_help = PIPELINE_EXAMPLE)]
pub struct GateArgs {
    /// Base URL of a running pyroscope-functions service.
    #[arg(long, value_name = "URL", value_parser = http_url)]
    pub server: Url,
    /// The application to compare.
    #[arg(long, value_name = "APP")]
    pub app: String,
    /// Profile type: cpu, alloc, lock or wall.
    #[arg(long = "type", value_name = "TYPE", default_value = "cpu")]
    pub profile_type: String,
    /// Label matchers for both sides, e.g. 'region=~"eu-.*"'.
    #[arg(long, value_name = "MATCHERS")]
    pub labels: Option<String>,
    /// Label matchers of the baseline side only, e.g. 'track="stable"'.
    #[arg(long, value_name = "MATCHERS")]
    pub baseline_labels: Option<String>,
    /// Label matchers of the current side only, e.g. 'track="canary"'.
    #[arg(long, value_name = "MATCHERS")]
    pub current_labels: Option<String>,
    /// Start of the current window, epoch seconds (default: an hour before --to).
    #[arg(long, value_name = "EPOCH_SECS")]
    pub from: Option<i64>,
    /// End of the current window, epoch seconds (default: now).
    #[arg(long, value_name = "EPOCH_SECS")]
    pub to: Option<i64>,
    /// Start of the baseline window, epoch seconds.
    #[arg(long, value_name = "EPOCH_SECS")]
    pub baseline_from: Option<i64>,
    /// End of the baseline window, epoch seconds (default: --from).
    #[arg(long, value_name = "EPOCH_SECS")]
    pub baseline_to: Option<i64>,
    /// Cut each window into N parts so the verdict ignores noise (docs/api.md#how-sure-is-a-diff):
    /// 0 turns it off, at most 60; the server's default (10) when not given.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=60))]
    pub slices: Option<u32>,
    /// The verdict at which to exit 1.
    #[arg(long, value_enum, value_name = "VERDICT", default_value_t = FailOn::Fail)]
    pub fail_on: FailOn,
    /// The report printed to stdout.
    #[arg(long, value_enum, default_value_t = OutputFormat::Markdown)]
    pub format: OutputFormat,
    /// Seconds to wait for each answer.
    #[arg(long, value_name = "SECS", default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Sent as `Authorization: Bearer TOKEN` (for a service behind an authenticating proxy).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "PYROSCOPE_FUNCTIONS_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
}

/// An absolute `http` or `https` URL: anything else could not be asked for a report.
fn http_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("not a URL ({e}); e.g. http://host:8080"))?;
    if matches!(url.scheme(), "http" | "https") {
        Ok(url)
    } else {
        Err(format!(
            "the scheme must be http or https, not {:?}; e.g. http://host:8080",
            url.scheme()
        ))
    }
}
