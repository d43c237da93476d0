//! What the HTTP clients of the five SORs share: one `reqwest::Client` per SOR URL, URL
//! building with percent-encoded path segments, retries of idempotent calls, and the mapping of
//! HTTP answers back to the `SorError` the remote implementation answered with.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::time::Instant;
use url::Url;

use super::endpoint::{Call, Verb};
use super::SorError;
use crate::backoff::Backoff;
use crate::outbound::{Failure, Outbound};
use crate::probe::HealthCheck;
use crate::telemetry::Metrics;

/// Retries of an idempotent call (GET, PUT, DELETE): two, after about 100 and 200 ms.
const RETRY: Backoff = Backoff {
    base: Duration::from_millis(100),
    max_delay: Duration::from_secs(1),
    max_retries: 2,
};
/// Longest a TCP connect may take: a SOR that does not accept within this is down, whatever
/// the request timeout allows for slow answers.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a remote SOR client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client for the {sor} SOR: {reason}")]
pub struct RemoteConfigError {
    /// Which SOR, e.g. `Baseline`.
    pub sor: &'static str,
    /// What went wrong.
    pub reason: String,
}

/// One remote SOR: its base URL and the connection pool to it.
#[derive(Clone)]
pub struct RemoteSor {
    /// Human name for messages, e.g. `Baseline`.
    name: &'static str,
    base: Url,
    outbound: Outbound,
    /// Bound of one call, retries included.
    timeout: Duration,
    /// `host:port`, for messages that must not leak paths or credentials.
    host: String,
}

/// The `{"error": …}` part of an error answer (docs/api.md).
#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    code: Option<String>,
}

impl RemoteSor {
    /// A client for the SOR at `base`; `timeout` bounds every call, retries included.
    /// `target` labels its latency metric, e.g. `baselineSor`.
    ///
    /// # Errors
    /// When `base` cannot carry paths (e.g. `mailto:`) or the TLS backend fails to initialise.
    pub fn new(
        name: &'static str,
        target: &'static str,
        base: Url,
        timeout: Duration,
        metrics: Arc<Metrics>,
    ) -> Result<Self, RemoteConfigError> {
        let error = |reason: String| RemoteConfigError { sor: name, reason };
        if base.cannot_be_a_base() {
            return Err(error(format!("{base} is not an http(s) base URL")));
        }
        let connect_timeout = timeout.min(MAX_CONNECT_TIMEOUT);
        let outbound = Outbound::new(target, connect_timeout, HeaderMap::new(), metrics)
            .map_err(|e| error(e.source.to_string()))?;
        let host = match (base.host_str(), base.port_or_known_default()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            _ => base.to_string(),
        };
        Ok(RemoteSor {
            name,
            base,
            outbound,
            timeout,
            host,
        })
    }

    /// Sends `token` as `Authorization: Bearer` with every call, for a SOR that requires one.
    pub fn with_token(mut self, token: Option<SecretString>) -> Self {
        self.outbound = self.outbound.bearer(token);
        self
    }

    /// `base` plus `segments`, each percent-encoded as one path segment, so app names with
    /// `/`, `?`, `#`, spaces or non-ASCII characters reach the route intact.
    fn url(&self, segments: &[&str]) -> Result<Url, SorError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|()| {
                SorError::Unexpected(format!("{} SOR URL cannot carry paths", self.name))
            })?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// `call?query` without a body, its JSON answer decoded as `T`.
    pub async fn fetch<T: DeserializeOwned>(
        &self,
        call: Call<'_>,
        query: &[(&str, String)],
    ) -> Result<T, SorError> {
        let body = self.fetch_bytes(call, query).await?;
        self.decode(&body)
    }

    /// `call?query` without a body, its answer as it came (a pprof, not JSON).
    pub async fn fetch_bytes(
        &self,
        call: Call<'_>,
        query: &[(&str, String)],
    ) -> Result<Bytes, SorError> {
        let url = self.url(&call.segments)?;
        self.send(call.verb, || {
            self.request(call.verb, url.clone()).query(query)
        })
        .await
    }

    /// `call` with a JSON body, its JSON answer decoded as `T`.
    pub async fn send_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        call: Call<'_>,
        body: &B,
    ) -> Result<T, SorError> {
        let url = self.url(&call.segments)?;
        let answer = self
            .send(call.verb, || {
                self.request(call.verb, url.clone()).json(body)
            })
            .await?;
        self.decode(&answer)
    }

    /// `call` with a JSON body and one extra header (an `Idempotency-Key`), decoded as `T`.
    /// Never retried here: the caller retries, with the same key.
    pub async fn send_json_with_header<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        call: Call<'_>,
        (name, value): (&str, &str),
        body: &B,
    ) -> Result<T, SorError> {
        let url = self.url(&call.segments)?;
        let answer = self
            .send_within(Backoff::NONE, || {
                self.request(call.verb, url.clone())
                    .header(name, value)
                    .json(body)
            })
            .await?;
        self.decode(&answer)
    }

    /// `call` without a body, expecting no answer (a DELETE).
    pub async fn perform(&self, call: Call<'_>) -> Result<(), SorError> {
        let url = self.url(&call.segments)?;
        self.send(call.verb, || self.request(call.verb, url.clone()))
            .await
            .map(drop)
    }

    fn request(&self, verb: Verb, url: Url) -> RequestBuilder {
        let method = match verb {
            Verb::Get => Method::GET,
            Verb::Post => Method::POST,
            Verb::Put => Method::PUT,
            Verb::Delete => Method::DELETE,
        };
        self.outbound.client().request(method, url)
    }

    /// Sends the request `build` makes, retrying transient failures when `verb` is idempotent
    /// (a POST retried after a lost answer could store its row twice).
    async fn send(
        &self,
        verb: Verb,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Bytes, SorError> {
        let retry = if verb.idempotent() {
            RETRY
        } else {
            Backoff::NONE
        };
        self.send_within(retry, build).await
    }

    /// Sends the request `build` makes within the call's timeout, retried by `retry`.
    async fn send_within(
        &self,
        retry: Backoff,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Bytes, SorError> {
        let deadline = Instant::now() + self.timeout;
        self.outbound
            .send(deadline, retry, build)
            .await
            .map_err(|failure| self.error(failure))
    }

    /// Maps a failure to the `SorError` the remote side raised, or to the transport's reading
    /// of why it could not be heard.
    fn error(&self, failure: Failure) -> SorError {
        let (name, host) = (self.name, &self.host);
        match failure {
            Failure::Unreachable { connect: true, .. } => {
                SorError::Unavailable(format!("{name} SOR at {host} is unreachable"))
            }
            Failure::Unreachable { cause, .. } => {
                SorError::Upstream(format!("{name} SOR at {host} failed: {cause}"))
            }
            Failure::Timeout => {
                SorError::Timeout(format!("{name} SOR at {host} did not answer in time"))
            }
            Failure::Status {
                status,
                body,
                retry_after,
            } => {
                let (message, code) = serde_json::from_slice::<ErrorBody>(&body)
                    .map(|b| (b.error, b.code))
                    .unwrap_or_else(|_| (format!("{name} SOR at {host} answered {status}"), None));
                match SorError::from_wire(status.as_u16(), code.as_deref(), message) {
                    // The other process said when in its header.
                    SorError::Throttled { message, .. } => SorError::Throttled {
                        message,
                        retry_after_secs: retry_after.map_or(1, |d| d.as_secs().max(1)),
                    },
                    e => e,
                }
            }
            // A remote SOR's client has no budget: it is never throttled itself.
            Failure::Throttled { status, .. } => {
                SorError::Upstream(format!("{name} SOR at {host} answered {status}"))
            }
        }
    }

    fn decode<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, SorError> {
        serde_json::from_slice(body).map_err(|e| {
            SorError::Upstream(format!(
                "{} SOR at {} answered an unreadable body: {e}",
                self.name, self.host
            ))
        })
    }
}

/// A remote SOR's `/health/ready` as a dependency of this process.
pub struct RemoteSorCheck {
    /// The key under `checks`, e.g. `baselineSor`.
    pub key: &'static str,
    /// Whether this process is unready while the SOR is down.
    pub required: bool,
    /// The client whose base URL is checked.
    pub sor: RemoteSor,
}

#[async_trait]
impl HealthCheck for RemoteSorCheck {
    fn name(&self) -> &'static str {
        self.key
    }

    fn required(&self) -> bool {
        self.required
    }

    /// Listed even when optional: a BOR without its Baseline SOR answers without violations,
    /// and readiness is where operators look for that.
    fn in_readiness(&self) -> bool {
        true
    }

    async fn check(&self) -> Result<Option<serde_json::Value>, String> {
        let url = self
            .sor
            .url(&["health", "ready"])
            .map_err(|e| e.to_string())?;
        // One try, no retries: the health endpoint reports the state as it is now.
        let sor = &self.sor;
        let deadline = Instant::now() + sor.timeout;
        sor.outbound
            .send(deadline, Backoff::NONE, || {
                sor.outbound.client().get(url.clone())
            })
            .await
            .map_err(|failure| sor.error(failure).to_string())?;
        Ok(Some(serde_json::json!({ "url": self.sor.base.as_str() })))
    }
}
