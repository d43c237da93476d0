//! The gate's calls to the service: the `/diff/{appName}` URL, one GET through [`Outbound`],
//! and why an answer cannot be used.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::StatusCode;
use serde::Deserialize;
use url::Url;

use super::args::GateArgs;
use pf_infra::backoff::Backoff;
use pf_infra::outbound::{Failure, Outbound};
use pf_infra::telemetry::Metrics;

/// Why the gate cannot decide (exit 2). URLs are shown without credentials.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),
    #[error("no answer from {url} within {secs} s")]
    Timeout { url: String, secs: u64 },
    #[error("cannot reach {url}: {cause}")]
    Unreachable { url: String, cause: String },
    #[error("{url} answered {status}: {message}")]
    Status {
        url: String,
        status: StatusCode,
        message: String,
    },
    #[error("the answer of {url} is not a diff report: {reason}")]
    NotAReport { url: String, reason: String },
    #[error("unknown verdict {0:?} (expected pass, warn or fail)")]
    UnknownVerdict(String),
    #[error("cannot print the report: {0}")]
    Output(#[from] std::io::Error),
}

/// What the gate reads of a JSON diff report.
#[derive(Debug, Deserialize)]
pub struct Report {
    pub baseline: Window,
    pub current: Window,
    pub summary: Summary,
    #[serde(default)]
    pub regressions: Vec<Entry>,
    #[serde(default)]
    pub improvements: Vec<Entry>,
    /// The commits named behind the largest regression, when both sides name refs.
    #[serde(default)]
    pub suspects: Option<Suspects>,
}

/// What the gate reads of the commits a report names
/// (docs/regressions.md#the-change-that-caused-it).
#[derive(Debug, Deserialize)]
pub struct Suspects {
    #[serde(default)]
    pub suspects: Vec<NamedCommit>,
}

/// One named commit, as the gate prints it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedCommit {
    pub short_commit: String,
    pub title: String,
}

impl Report {
    /// "abc1234 Compile the pattern per call": the likeliest commit, when one is named.
    pub fn likeliest_commit(&self) -> Option<String> {
        let first = self.suspects.as_ref()?.suspects.first()?;
        Some(format!("{} {}", first.short_commit, first.title))
    }
}

/// A listed change, as far as the gate explains its decision with it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub function: String,
    pub delta_percent: f64,
    pub approved_threshold: Option<f64>,
    pub exceeds_threshold: Option<bool>,
    pub breach_significant: Option<bool>,
    pub current_low: Option<f64>,
    pub current_high: Option<f64>,
    pub significance: Option<Interval>,
}

/// A delta's 95 % interval.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Interval {
    pub low: f64,
    pub high: f64,
    pub significant: bool,
}

impl Report {
    /// The change the verdict turns on: a breach beyond noise, else any breach, else the top
    /// regression.
    pub fn deciding(&self) -> Option<&Entry> {
        let listed = || self.regressions.iter().chain(&self.improvements);
        listed()
            .find(|e| e.breach_significant == Some(true))
            .or_else(|| listed().find(|e| e.exceeds_threshold == Some(true)))
            .or_else(|| self.regressions.first())
    }
}

impl Entry {
    /// One line: the delta with its interval, and the current share's against the threshold.
    pub fn explained(&self) -> String {
        let mut line = format!("{}: {:+.2} pt", self.function, self.delta_percent);
        if let Some(i) = &self.significance {
            line.push_str(&format!(" (95 % CI {:+.2} … {:+.2}", i.low, i.high));
            line.push_str(if i.significant {
                ")"
            } else {
                ", not significant)"
            });
        }
        if let (Some(t), Some(low), Some(high)) =
            (self.approved_threshold, self.current_low, self.current_high)
        {
            line.push_str(&format!(
                "; current share {low:.2} … {high:.2} % against {t:.2} %"
            ));
        }
        line
    }
}

impl Report {
    /// Reads the JSON answer of `url`.
    ///
    /// # Errors
    /// When it is not JSON or lacks the windows or the verdict.
    pub fn parse(url: &Url, body: &[u8]) -> Result<Self, GateError> {
        serde_json::from_slice(body).map_err(|e| GateError::NotAReport {
            url: shown(url),
            reason: e.to_string(),
        })
    }
}

/// A window as the report states it.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Window {
    pub from: i64,
    pub to: i64,
}

/// The report's summary; the verdict is checked by the caller.
#[derive(Debug, Deserialize)]
pub struct Summary {
    pub verdict: String,
}

/// `GET {server}/diff/{app}` with the gate's parameters and `format`. With `report`, its
/// windows are asked for explicitly, so a second request answers for the same windows even
/// when the defaults ("now") have moved on.
///
/// # Errors
/// When the server URL cannot take a path.
pub fn diff_url(args: &GateArgs, report: Option<&Report>, format: &str) -> Result<Url, GateError> {
    let mut url = args.server.clone();
    url.path_segments_mut()
        .map_err(|()| GateError::Setup(format!("{} cannot take a path", shown(&args.server))))?
        .pop_if_empty()
        .extend(["diff", args.app.as_str()]);
    let (from, to, baseline_from, baseline_to) = match report {
        Some(r) => (
            Some(r.current.from),
            Some(r.current.to),
            Some(r.baseline.from),
            Some(r.baseline.to),
        ),
        None => (args.from, args.to, args.baseline_from, args.baseline_to),
    };
    let numbers = [
        ("from", from),
        ("to", to),
        ("baselineFrom", baseline_from),
        ("baselineTo", baseline_to),
    ];
    let texts = [
        ("labels", &args.labels),
        ("baselineLabels", &args.baseline_labels),
        ("currentLabels", &args.current_labels),
    ];
    {
        let mut query = url.query_pairs_mut();
        query.append_pair("type", &args.profile_type);
        for (name, value) in numbers {
            if let Some(value) = value {
                query.append_pair(name, &value.to_string());
            }
        }
        for (name, value) in texts {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
        if let Some(slices) = args.slices {
            query.append_pair("slices", &slices.to_string());
        }
        query.append_pair("format", format);
    }
    Ok(url)
}

/// The service's HTTP client: one attempt per request, within `--timeout`.
pub struct DiffClient {
    outbound: Outbound,
    timeout: u64,
}

impl DiffClient {
    /// # Errors
    /// When the token is not a valid header value or the client cannot be built.
    pub fn new(args: &GateArgs) -> Result<Self, GateError> {
        let mut headers = HeaderMap::new();
        if let Some(token) = &args.token {
            let mut value = HeaderValue::try_from(format!("Bearer {token}")).map_err(|_| {
                GateError::Setup("the token holds characters a header cannot carry".into())
            })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let setup = |e: &dyn std::error::Error| GateError::Setup(e.to_string());
        let metrics = Metrics::new(None).map_err(|e| setup(&e))?;
        let timeout = Duration::from_secs(args.timeout);
        let outbound = Outbound::new("gate", timeout, headers, metrics).map_err(|e| setup(&e))?;
        Ok(DiffClient {
            outbound,
            timeout: args.timeout,
        })
    }

    /// The body of a 200 answer to `GET url`.
    ///
    /// # Errors
    /// No answer in time, no connection, or any other status (with the service's message).
    pub async fn get(&self, url: &Url) -> Result<Bytes, GateError> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(self.timeout);
        let client = self.outbound.client();
        let answer = self
            .outbound
            .send(deadline, Backoff::NONE, || client.get(url.clone()))
            .await;
        answer.map_err(|failure| {
            let url = shown(url);
            match failure {
                Failure::Timeout => GateError::Timeout {
                    url,
                    secs: self.timeout,
                },
                Failure::Unreachable { cause, .. } => GateError::Unreachable { url, cause },
                Failure::Status { status, body, .. } | Failure::Throttled { status, body, .. } => {
                    GateError::Status {
                        url,
                        status,
                        message: error_message(&body),
                    }
                }
            }
        })
    }
}

/// The `error` of the service's JSON error body, else the start of the body as text (a proxy's
/// page, say).
fn error_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        error: String,
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(parsed) => parsed.error,
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            match text.char_indices().nth(300) {
                Some((end, _)) => format!("{}…", &text[..end]),
                None if text.is_empty() => "(no body)".to_owned(),
                None => text.to_owned(),
            }
        }
    }
}

/// `url` without user name or password, for messages.
fn shown(url: &Url) -> String {
    let mut url = url.clone();
    // Only fails for URLs that cannot carry credentials anyway.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}
