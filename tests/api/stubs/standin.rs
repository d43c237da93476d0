//! A Pyroscope stand-in for the black-box tests: a wiremock server speaking Pyroscope's Connect
//! API (push.v1 `Push`, querier.v1 `SelectMergeStacktraces`, `SelectMergeProfile`,
//! `SelectSeries`, `LabelValues`, `LabelNames`, `Series`, `ProfileTypes`, `GetProfileStats`) in binary
//! (`application/proto`) and JSON (`application/json`), answering from the real pprofs pushed
//! to it or kept with [`PyroscopeStandIn::keep`].
//!
//! ```ignore
//! let standin = PyroscopeStandIn::start().await;
//! standin.keep(&[("service_name", "checkout")], &pprof_bytes);
//! let app = spawn_app_with(|s| s.pyroscope.url = Some(standin.url())).await;
//! // … drive the service …
//! let sent = standin.messages(paths::SELECT_MERGE_STACKTRACES);
//! ```
//!
//! [`Mode`] switches it to a Pyroscope older than 2.2 (no pprof answer from
//! `SelectMergeStacktraces`) or one whose `SelectMergeStacktraces` is unimplemented. Every
//! request is recorded with its message in Connect's JSON form ([`Received`]).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use pf_formats::formats::pyroscope_api::{paths, GetProfileStatsRequest};
use pf_pprof::{decompress, proto, Limits};
use prost::Message;
use serde_json::Value;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::standin_connect::{Call, Fault};
use super::standin_limits::{Guard, PyroscopeLimits};
use super::standin_push::push;
use super::standin_query as query;
use super::standin_series::select_series;
use super::standin_store::Store;

/// Pyroscope's push method.
pub const PUSH: &str = "/push.v1.PusherService/Push";

/// Which Pyroscope the stand-in plays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// 2.2 and later: `SelectMergeStacktraces` honours `format`, PPROF included.
    #[default]
    Current,
    /// Older than 2.2: `PROFILE_FORMAT_PPROF` falls into the flame-graph default.
    Before2_2,
    /// `SelectMergeStacktraces` answers `unimplemented` (a client falls back on
    /// `SelectMergeProfile`).
    NoMergeStacktraces,
}

/// One request the stand-in received.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub content_type: String,
    /// The message in Connect's JSON form, whichever encoding it came in; `Null` when it could
    /// not be read (or the path is no method).
    pub message: Value,
}

/// The running stand-in; stopped when dropped.
pub struct PyroscopeStandIn {
    server: MockServer,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    store: Store,
    mode: Mode,
    received: Vec<Received>,
    guard: Guard,
    /// Every query answered 503 (`unavailable`) while set; pushes too.
    down: bool,
}

impl PyroscopeStandIn {
    /// Starts an empty stand-in on a random local port, in [`Mode::Current`].
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State::default()));
        Mock::given(wiremock::matchers::any())
            .respond_with(Responder(Arc::clone(&state)))
            .mount(&server)
            .await;
        PyroscopeStandIn { server, state }
    }

    /// `http://127.0.0.1:<port>/`: the base URL to give the service (`s.pyroscope.url`).
    pub fn url(&self) -> url::Url {
        url::Url::parse(&self.server.uri()).expect("the stand-in's URL")
    }

    /// Keeps a pprof (gzip or not) as if pushed now with `labels`; `__name__` defaults to
    /// `process_cpu`. Panics when Pyroscope would refuse it.
    pub fn keep(&self, labels: &[(&str, &str)], pprof: &[u8]) {
        let mut pairs: Vec<(String, String)> =
            labels.iter().map(|&(n, v)| (n.into(), v.into())).collect();
        if !pairs.iter().any(|(n, _)| n == "__name__") {
            pairs.push(("__name__".into(), "process_cpu".into()));
        }
        let now = now_ms();
        if let Err(e) = self.state().store.keep(&pairs, pprof, now) {
            panic!("the stand-in refuses the profile: {e}");
        }
    }

    /// Keeps a pprof (gzip or not) as if taken at `from` and lasting to `until` (epoch seconds):
    /// its `time_nanos` and `duration_nanos` set so, where Pyroscope places it.
    pub fn keep_at(&self, labels: &[(&str, &str)], pprof: &[u8], (from, until): (i64, i64)) {
        let limits = Limits {
            max_decoded_bytes: 1 << 30,
            max_stack_depth: 1 << 20,
        };
        let raw = decompress(pprof, limits).expect("a pprof");
        let mut profile = proto::Profile::decode(&*raw).expect("a pprof");
        profile.time_nanos = from * 1_000_000_000;
        profile.duration_nanos = (until - from) * 1_000_000_000;
        self.keep(labels, &profile.encode_to_vec());
    }

    /// Plays another Pyroscope from now on.
    pub fn set_mode(&self, mode: Mode) {
        self.state().mode = mode;
    }

    /// Answers every call 503 (`unavailable`) from now on while `down`, as a Pyroscope that is
    /// restarting does.
    pub fn set_down(&self, down: bool) {
        self.state().down = down;
    }

    /// Keeps Pyroscope's limits from now on ([`standin_limits::pyroscopes`] are its defaults).
    pub fn set_limits(&self, limits: PyroscopeLimits) {
        self.state().guard.limits = limits;
    }

    /// Refuses the next `n` calls with 429 (`resource_exhausted`), saying `Retry-After` when
    /// given.
    pub fn refuse_next(&self, n: usize, retry_after: Option<u64>) {
        self.state().guard.refuse_next(n, retry_after);
    }

    /// 429s answered so far, and the most requests outstanding at once.
    pub fn refusals(&self) -> (usize, usize) {
        let state = self.state();
        (state.guard.refused, state.guard.peak)
    }

    /// Every request so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.state().received.clone()
    }

    /// The messages received on `path` (e.g. `paths::SELECT_MERGE_STACKTRACES`), in order.
    pub fn messages(&self, path: &str) -> Vec<Value> {
        let state = self.state();
        let on_path = state.received.iter().filter(|r| r.path == path);
        on_path.map(|r| r.message.clone()).collect()
    }

    /// `(series labels, time in epoch ms)` of every profile kept, in the order it came (one
    /// pprof whose samples carry labels of their own may make several).
    pub fn kept(&self) -> Vec<(Vec<(String, String)>, i64)> {
        let state = self.state();
        let kept = state.store.kept().iter();
        kept.map(|k| (k.labels.clone().into_iter().collect(), k.time_ms))
            .collect()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

pub(super) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

struct Responder(Arc<Mutex<State>>);

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let mut message = Value::Null;
        let answer = handle(&mut state, request, &mut message);
        let header = |name: &str| {
            let value = request.headers.get(name).and_then(|v| v.to_str().ok());
            value.unwrap_or_default().to_owned()
        };
        state.received.push(Received {
            path: request.url.path().to_owned(),
            content_type: header("content-type"),
            message,
        });
        answer
    }
}

/// The methods the stand-in knows.
const METHODS: [&str; 9] = [
    PUSH,
    paths::SELECT_SERIES,
    paths::SELECT_MERGE_STACKTRACES,
    paths::SELECT_MERGE_PROFILE,
    paths::LABEL_VALUES,
    paths::LABEL_NAMES,
    paths::SERIES,
    paths::PROFILE_TYPES,
    paths::GET_PROFILE_STATS,
];

fn handle(state: &mut State, request: &Request, record: &mut Value) -> ResponseTemplate {
    let path = request.url.path();
    if !METHODS.contains(&path) {
        let message = format!("{path} is not a method of this Pyroscope");
        return Fault::unimplemented(message).response();
    }
    if state.down {
        return Fault::unavailable("the Pyroscope is restarting").response();
    }
    let call = match Call::of(request) {
        Ok(call) => call,
        Err(refused) => return *refused,
    };
    let latency = match path {
        PUSH => Duration::ZERO,
        _ => match state.guard.admit() {
            Ok(latency) => latency,
            Err(refused) => return *refused,
        },
    };
    let mode = state.mode;
    let now = now_ms();
    let (store, guard) = (&mut state.store, &state.guard);
    let answer = match path {
        PUSH => push(store, &call, record),
        paths::SELECT_MERGE_STACKTRACES => call.unary(record, |mut q| {
            guard.check(&mut q, now)?;
            query::select_merge_stacktraces(store, mode, q)
        }),
        paths::SELECT_MERGE_PROFILE => call.unary(record, |mut q| {
            guard.check(&mut q, now)?;
            query::select_merge_profile(store, q)
        }),
        paths::LABEL_VALUES => call.unary(record, |mut q| {
            guard.check(&mut q, now)?;
            query::label_values(store, q)
        }),
        paths::LABEL_NAMES => call.unary(record, |mut q| {
            guard.check(&mut q, now)?;
            query::label_names(store, q)
        }),
        paths::SERIES => call.unary(record, |mut q| {
            guard.check(&mut q, now)?;
            query::series(store, q)
        }),
        paths::PROFILE_TYPES => call.unary(record, |mut q| {
            guard.check(&mut q, now)?;
            query::profile_types(store, q, now)
        }),
        paths::SELECT_SERIES => call.unary(record, |mut q| {
            guard.check(&mut q, now)?;
            select_series(store, q)
        }),
        _ => call.unary(record, |_: GetProfileStatsRequest| {
            Ok(query::profile_stats(store))
        }),
    };
    let answer = answer.unwrap_or_else(|fault| fault.response());
    match latency.is_zero() {
        true => answer,
        false => answer.set_delay(latency),
    }
}
