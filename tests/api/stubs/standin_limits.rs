//! The limits a real Pyroscope keeps, switched on in the stand-in so the tests meet them
//! (grafana/pyroscope `pkg/validation/limits.go`, `validate.go`, `pkg/scheduler`):
//! - `max_query_length`: a window longer than it is refused, `invalid_argument` (400), "the
//!   query time range exceeds the limit (max_query_length, actual: …, limit: …)";
//! - `max_query_lookback`: a window's start before it is moved up to it without a word, and a
//!   window that ends before it answers nothing;
//! - outstanding requests per tenant: beyond `max_outstanding`, `resource_exhausted` (429),
//!   "too many outstanding requests"; each request is outstanding for `latency`.
//!
//! Besides, the tests can have the next calls refused (429 with `Retry-After`).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use pf_formats::formats::pyroscope_api::{
    LabelNamesRequest, LabelValuesRequest, ProfileTypesRequest, SelectMergeProfileRequest,
    SelectMergeStacktracesRequest, SelectSeriesRequest, SeriesRequest,
};
use wiremock::ResponseTemplate;

use super::standin_connect::Fault;

/// A query message with a window in epoch milliseconds.
pub trait Windowed {
    fn window(&mut self) -> (&mut i64, &mut i64);
}

macro_rules! windowed {
    ($($t:ty),+) => {$(
        impl Windowed for $t {
            fn window(&mut self) -> (&mut i64, &mut i64) {
                (&mut self.start, &mut self.end)
            }
        }
    )+};
}

windowed!(
    SelectMergeStacktracesRequest,
    SelectMergeProfileRequest,
    SelectSeriesRequest,
    LabelValuesRequest,
    LabelNamesRequest,
    SeriesRequest,
    ProfileTypesRequest
);

/// The limits switched on (none by default, as the plain stand-in).
#[derive(Debug, Clone, Default)]
pub struct PyroscopeLimits {
    pub max_query_length: Option<Duration>,
    pub max_lookback: Option<Duration>,
    pub max_outstanding: Option<usize>,
    /// How long each request is outstanding (its answer is delayed by it).
    pub latency: Duration,
}

/// Pyroscope's defaults: 24 h, 7 days, 100 outstanding; requests outstanding 20 ms.
pub fn pyroscopes() -> PyroscopeLimits {
    PyroscopeLimits {
        max_query_length: Some(Duration::from_secs(24 * 3600)),
        max_lookback: Some(Duration::from_secs(7 * 86_400)),
        max_outstanding: Some(100),
        latency: Duration::from_millis(20),
    }
}

/// The limits and what they have seen.
#[derive(Default)]
pub struct Guard {
    pub limits: PyroscopeLimits,
    /// When each outstanding request is answered.
    outstanding: VecDeque<Instant>,
    /// The next calls to refuse, and the `Retry-After` to say.
    refuse_next: usize,
    retry_after: Option<u64>,
    /// 429s answered, and the most requests outstanding at once.
    pub refused: usize,
    pub peak: usize,
}

impl Guard {
    /// Refuses the next `n` calls with 429, saying `Retry-After: retry_after` when given.
    pub fn refuse_next(&mut self, n: usize, retry_after: Option<u64>) {
        self.refuse_next = n;
        self.retry_after = retry_after;
    }

    /// Admits one request now, or refuses it as Pyroscope's queue does.
    pub fn admit(&mut self) -> Result<Duration, Box<ResponseTemplate>> {
        let now = Instant::now();
        while self.outstanding.front().is_some_and(|&done| done <= now) {
            self.outstanding.pop_front();
        }
        let full = self
            .limits
            .max_outstanding
            .is_some_and(|max| self.outstanding.len() >= max);
        if self.refuse_next > 0 || full {
            self.refuse_next = self.refuse_next.saturating_sub(1);
            self.refused += 1;
            let mut answer = Fault::exhausted("too many outstanding requests").response();
            if let Some(secs) = self.retry_after.filter(|_| !full) {
                answer = answer.insert_header("retry-after", secs.to_string().as_str());
            }
            return Err(Box::new(answer));
        }
        let latency = self.limits.latency;
        self.outstanding.push_back(now + latency);
        // Kept in the order they end: a request's latency is the same for all.
        self.peak = self.peak.max(self.outstanding.len());
        Ok(latency)
    }

    /// The window of `request` as Pyroscope's frontend reads it: clipped to the lookback, a
    /// window ending before it made empty; refused when longer than the limit.
    pub fn check<Q: Windowed>(&self, request: &mut Q, now_ms: i64) -> Result<(), Fault> {
        let (start, end) = request.window();
        if *start == 0 || *end == 0 {
            return Ok(());
        }
        if let Some(back) = self.limits.max_lookback {
            let earliest = now_ms - back.as_millis() as i64;
            if *end < earliest {
                *start = earliest;
                *end = earliest;
                return Ok(());
            }
            if *start < earliest {
                *start = earliest;
            }
        }
        if let Some(max) = self.limits.max_query_length {
            let length = (*end - *start).max(0);
            if length as u128 > max.as_millis() {
                return Err(Fault::invalid(format!(
                    "the query time range exceeds the limit (max_query_length, actual: {}, limit: {})",
                    go_duration(length),
                    model_duration(max)
                )));
            }
        }
        Ok(())
    }
}

/// A length in milliseconds as Go's `time.Duration` prints it (`48h0m0s`).
fn go_duration(ms: i64) -> String {
    let secs = ms / 1000;
    format!("{}h{}m{}s", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// A limit as Prometheus's `model.Duration` prints it (`1d`, `36h`).
fn model_duration(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s => format!("{s}s"),
    }
}
