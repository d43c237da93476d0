//! The Pyroscope HTTP client: both API styles, authentication, tenant header, retries with
//! backoff inside one deadline, latency metrics, and the `/health` check.

mod auth;
pub mod check;
mod label_values;
mod legacy;
mod limits;
mod modern;
mod pprof_read;
mod series;
mod transport;

pub use limits::{Pieces, QueryLimits};
pub use pprof_read::{PprofAsked, PprofCall};
pub use series::{profile_points, SeriesAsked};

use auth::Auth;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::RequestBuilder;
use tokio::time::Instant;
use url::Url;

use pf_formats::formats::flamegraph;
use pf_formats::formats::flamegraph::{FlameGraphStats, FlamegraphError};
use pf_infra::backoff::Backoff;
use pf_infra::budget::Budget;
use pf_infra::outbound::Outbound;
use pf_infra::sor::SorError;
use pf_infra::telemetry::Metrics;
use pf_model::{now_floored, AppName, LabelSelector, TimeWindow};
use pf_profiles::{PyroscopeApi, PyroscopeSettings};

/// First pause before retrying a transient failure; doubled for each further retry.
pub(super) const RETRY_BASE_DELAY: Duration = Duration::from_millis(100);
/// The pause every call keeps after a refusal that says no `Retry-After`: 250 ms, doubled for
/// each refusal in a row up to 8 s, with jitter.
const REFUSAL_PAUSE: Backoff = Backoff {
    base: Duration::from_millis(250),
    max_delay: Duration::from_secs(8),
    max_retries: u32::MAX,
};
/// Header naming the tenant of a multi-tenant Pyroscope.
const TENANT_HEADER: &str = "x-scope-orgid";
/// How far back the health check asks for app names: short, so it stays cheap.
const HEALTH_WINDOW_SECS: i64 = 300;

/// Why a client could not be built from the settings; names the offending key.
#[derive(Debug, thiserror::Error)]
#[error("`{key}` {reason}")]
pub struct ClientConfigError {
    pub key: &'static str,
    pub reason: String,
}

/// Turns one API style's flame-graph JSON into ranked statistics.
type Parser = fn(&[u8]) -> Result<FlameGraphStats, FlamegraphError>;

/// Talks to one Pyroscope in one API style. Stateless apart from the connection pool; caching
/// and coalescing live in the SOR.
pub struct PyroscopeClient {
    outbound: Outbound,
    base: Url,
    api: PyroscopeApi,
    app_label: String,
    auth: Auth,
    request_timeout: Duration,
    max_retries: u32,
    /// Which call answers merged pprof on this server, once learned.
    pprof_call: PprofCall,
    /// The windows Pyroscope answers (`max_query_length`, `max_query_lookback`).
    limits: QueryLimits,
}

impl PyroscopeClient {
    /// Builds the client: base URL, timeouts, tenant header, credentials, TLS.
    ///
    /// # Errors
    /// When a setting cannot serve: the URL, the tenant, or a TLS file (named with its path).
    pub fn new(
        settings: &PyroscopeSettings,
        metrics: Arc<Metrics>,
    ) -> Result<Self, ClientConfigError> {
        let Some(mut base) = settings.url.clone() else {
            return Err(ClientConfigError {
                key: "pyroscope.url",
                reason: "is not set".into(),
            });
        };
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(ClientConfigError {
                key: "pyroscope.url",
                reason: format!("must be an http(s) URL, got `{base}`"),
            });
        }
        base.set_query(None);
        base.set_fragment(None);
        let mut headers = HeaderMap::new();
        if let Some(tenant) = settings.tenant_id.as_deref().filter(|t| !t.is_empty()) {
            let value = HeaderValue::from_str(tenant).map_err(|_| ClientConfigError {
                key: "pyroscope.tenant_id",
                reason: "must be a valid HTTP header value".into(),
            })?;
            headers.insert(HeaderName::from_static(TENANT_HEADER), value);
        }
        let tls = auth::tls(settings).map_err(|e| ClientConfigError {
            key: e.setting,
            reason: e.to_string(),
        })?;
        let connect_timeout = settings.connect_timeout_secs;
        let budget = Budget::new(
            usize::try_from(settings.max_in_flight.get()).unwrap_or(usize::MAX),
            REFUSAL_PAUSE,
            settings.max_retry_after_secs,
        );
        let outbound = Outbound::with_tls("pyroscope", connect_timeout, headers, &tls, metrics)
            .map_err(|e| ClientConfigError {
                key: "pyroscope",
                reason: format!("cannot build an HTTP client: {}", e.source),
            })?
            .budgeted(budget);
        let days = u64::from(settings.max_lookback_days);
        let limits = QueryLimits {
            max_length: Duration::from_secs(u64::from(settings.max_query_hours.get()) * 3600),
            lookback: (days > 0).then(|| Duration::from_secs(days * 86_400)),
        };
        Ok(PyroscopeClient {
            outbound,
            base,
            api: settings.api,
            app_label: settings.app_label.clone(),
            auth: Auth::from_settings(settings),
            request_timeout: settings.request_timeout_secs,
            max_retries: settings.max_retries,
            pprof_call: PprofCall::default(),
            limits,
        })
    }

    /// What a read of `window` is made of, within Pyroscope's limits, now.
    pub fn pieces(&self, window: TimeWindow) -> Pieces {
        self.limits.pieces(window, chrono::Utc::now().timestamp())
    }

    /// The API style this client speaks.
    pub fn api(&self) -> PyroscopeApi {
        self.api
    }

    /// The label that names an app.
    pub fn app_label(&self) -> &str {
        &self.app_label
    }

    /// The configured bound of one SOR call to Pyroscope, retries included.
    pub fn request_timeout(&self) -> Duration {
        self.request_timeout
    }

    /// Names of the apps with profiles in `window`, sorted and unique.
    pub async fn app_names(
        &self,
        window: TimeWindow,
        deadline: Instant,
    ) -> Result<Vec<String>, SorError> {
        let mut names = Vec::new();
        for piece in self.pieces(window).windows {
            names.extend(
                self.app_names_with_retries(piece, deadline, self.max_retries)
                    .await?,
            );
        }
        names.sort_unstable();
        names.dedup();
        Ok(names)
    }

    async fn app_names_with_retries(
        &self,
        window: TimeWindow,
        deadline: Instant,
        retries: u32,
    ) -> Result<Vec<String>, SorError> {
        match self.api {
            PyroscopeApi::Modern => {
                let url = self.endpoint(&[modern::SERVICE, modern::LABEL_VALUES]);
                let body = modern::LabelValuesRequest::new(&self.app_label, window);
                let bytes = self
                    .fetch(modern::LABEL_VALUES, deadline, retries, || {
                        self.connect_post(url.clone()).json(&body)
                    })
                    .await?;
                let answer: modern::LabelValuesResponse = decode(&bytes, "LabelValues answer")?;
                let mut names = answer.names;
                names.retain(|n| !n.is_empty());
                names.sort_unstable();
                names.dedup();
                Ok(names)
            }
            PyroscopeApi::Legacy => {
                let url = self.endpoint(&[legacy::LABEL_VALUES]);
                let params = legacy::app_name_params(window);
                let bytes = self
                    .fetch(legacy::LABEL_VALUES, deadline, retries, || {
                        self.outbound.client().get(url.clone()).query(&params)
                    })
                    .await?;
                let names: Vec<String> = decode(&bytes, "label-values answer")?;
                Ok(legacy::app_names(names))
            }
        }
    }

    /// Modern API: the profile-type IDs `app` has series of in `window`, in Pyroscope's order.
    pub async fn profile_type_ids(
        &self,
        app: &AppName,
        window: TimeWindow,
        deadline: Instant,
    ) -> Result<Vec<String>, SorError> {
        let url = self.endpoint(&[modern::SERVICE, modern::SERIES]);
        let mut ids: Vec<String> = Vec::new();
        for piece in self.pieces(window).windows {
            let body =
                modern::SeriesRequest::profile_types_of(&self.app_label, app.as_str(), piece);
            // A server (or a proxy in front of it) that does not answer `Series` cannot say
            // which types an app has: `NotImplemented`, and the caller reads its first candidate.
            let bytes = self
                .fetch_optional(modern::SERIES, deadline, || {
                    self.connect_post(url.clone()).json(&body)
                })
                .await?;
            let answer: modern::SeriesResponse = decode(&bytes, "Series answer")?;
            for id in answer.profile_type_ids() {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        Ok(ids)
    }

    /// `{<app label>="<app>",<labels>}`: the series of `app` narrowed by `labels` (modern API).
    pub fn selector(&self, app: &AppName, labels: &LabelSelector) -> String {
        modern::labelled_selector(&self.app_label, app.as_str(), labels)
    }

    /// What the flame graph of `app` is asked for in the legacy API: `<app>.<suffix>{}`.
    pub fn legacy_query(app: &AppName, suffix: &str) -> String {
        legacy::query(app.as_str(), suffix)
    }

    /// The merged flame graph of `app`, ranked per function. `source` is the profile-type ID
    /// (modern) or the application query (legacy).
    pub async fn flame_graph(
        &self,
        subject: (&AppName, &LabelSelector),
        source: &str,
        window: TimeWindow,
        max_nodes: u32,
        deadline: Instant,
    ) -> Result<FlameGraphStats, SorError> {
        let mut parts = Vec::new();
        for piece in self.pieces(window).windows {
            parts.push(
                self.flame_graph_of(subject, source, piece, max_nodes, deadline)
                    .await?,
            );
        }
        Ok(match parts.len() {
            0 => FlameGraphStats::default(),
            1 => parts.remove(0),
            _ => flamegraph::merged(&parts.iter().collect::<Vec<_>>()),
        })
    }

    /// [`PyroscopeClient::flame_graph`] of a window within Pyroscope's limits: one call.
    async fn flame_graph_of(
        &self,
        (app, labels): (&AppName, &LabelSelector),
        source: &str,
        window: TimeWindow,
        max_nodes: u32,
        deadline: Instant,
    ) -> Result<FlameGraphStats, SorError> {
        let (bytes, parse): (Bytes, Parser) = match self.api {
            PyroscopeApi::Modern => {
                let url = self.endpoint(&[modern::SERVICE, modern::SELECT_MERGE_STACKTRACES]);
                let body = modern::SelectMergeStacktracesRequest::new(
                    source,
                    modern::labelled_selector(&self.app_label, app.as_str(), labels),
                    window,
                    max_nodes,
                );
                let bytes = self
                    .fetch(
                        modern::SELECT_MERGE_STACKTRACES,
                        deadline,
                        self.max_retries,
                        || self.connect_post(url.clone()).json(&body),
                    )
                    .await?;
                (bytes, flamegraph::parse_connect)
            }
            PyroscopeApi::Legacy => {
                let url = self.endpoint(&[legacy::RENDER]);
                let params = legacy::render_params(source, labels, window, max_nodes);
                let bytes = self
                    .fetch(legacy::RENDER, deadline, self.max_retries, || {
                        self.outbound.client().get(url.clone()).query(&params)
                    })
                    .await?;
                (bytes, flamegraph::parse_legacy)
            }
        };
        // Parsing a large graph takes milliseconds of CPU; keep it off the HTTP worker thread.
        tokio::task::spawn_blocking(move || parse(&bytes))
            .await
            .map_err(|e| SorError::Unexpected(format!("flame graph parser failed: {e}")))?
            .map_err(|e| {
                SorError::Upstream(format!("Pyroscope returned an unreadable flame graph: {e}"))
            })
    }

    /// One cheap call, without retries, to tell whether Pyroscope answers.
    pub async fn ping(&self, timeout: Duration) -> Result<usize, SorError> {
        let to = now_floored();
        let window = TimeWindow {
            from: to - HEALTH_WINDOW_SECS,
            to,
        };
        self.app_names_with_retries(window, Instant::now() + timeout, 0)
            .await
            .map(|apps| apps.len())
    }

    /// `base` with `segments` appended, keeping any path prefix of the configured URL.
    fn endpoint(&self, segments: &[&str]) -> Url {
        join(&self.base, segments)
    }

    fn connect_post(&self, url: Url) -> RequestBuilder {
        // The Connect protocol header makes a Connect server treat the POST as a unary JSON call.
        self.outbound
            .client()
            .post(url)
            .header("connect-protocol-version", "1")
    }
}

/// `base` with `segments` appended; a trailing slash or path prefix of `base` is kept.
fn join(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, SorError> {
    serde_json::from_slice(bytes)
        .map_err(|e| SorError::Upstream(format!("Pyroscope returned an unreadable {what}: {e}")))
}

#[cfg(test)]
mod tests;
