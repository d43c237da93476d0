//! What the HTTP clients of the five SORs share: one `reqwest::Client` per SOR URL, URL
//! building with percent-encoded path segments, retries of idempotent calls, and the mapping of
//! HTTP answers back to the `SorError` the remote implementation answered with.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::{Client, Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use url::Url;

use super::SorError;
use crate::backoff::Backoff;
use crate::probe::HealthCheck;
use crate::telemetry::{current_request_id, REQUEST_ID_HEADER};

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
    client: Client,
    /// `host:port`, for messages that must not leak paths or credentials.
    host: String,
}

/// The `{"error": …}` part of an error answer (SPEC §8).
#[derive(Deserialize)]
struct ErrorBody {
    error: String,
}

impl RemoteSor {
    /// A client for the SOR at `base`; `timeout` bounds every request, connect included.
    ///
    /// # Errors
    /// When `base` cannot carry paths (e.g. `mailto:`) or the TLS backend fails to initialise.
    pub fn new(
        name: &'static str,
        base: Url,
        timeout: Duration,
    ) -> Result<Self, RemoteConfigError> {
        let error = |reason: String| RemoteConfigError { sor: name, reason };
        if base.cannot_be_a_base() {
            return Err(error(format!("{base} is not an http(s) base URL")));
        }
        let client = Client::builder()
            .connect_timeout(timeout.min(MAX_CONNECT_TIMEOUT))
            .timeout(timeout)
            .build()
            .map_err(|e| error(e.to_string()))?;
        let host = match (base.host_str(), base.port_or_known_default()) {
            (Some(host), Some(port)) => format!("{host}:{port}"),
            (Some(host), None) => host.to_owned(),
            _ => base.to_string(),
        };
        Ok(RemoteSor {
            name,
            base,
            client,
            host,
        })
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

    /// `GET segments?query`, decoded as `T`; retried.
    pub async fn get<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<T, SorError> {
        let url = self.url(segments)?;
        let body = self
            .send(true, || self.client.get(url.clone()).query(query))
            .await?;
        self.decode(&body)
    }

    /// `method segments` with a JSON body, decoded as `T`. Retried unless `method` is POST,
    /// which is not idempotent: a retry after a lost answer could store the row twice.
    pub async fn send_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        body: &B,
    ) -> Result<T, SorError> {
        let url = self.url(segments)?;
        let idempotent = method != Method::POST;
        let answer = self
            .send(idempotent, || {
                self.client.request(method.clone(), url.clone()).json(body)
            })
            .await?;
        self.decode(&answer)
    }

    /// `POST segments` with a JSON body and one extra header (an `Idempotency-Key`), decoded
    /// as `T`. Not retried here: the caller retries, with the same key.
    pub async fn post_json_with_header<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        segments: &[&str],
        (name, value): (&str, &str),
        body: &B,
    ) -> Result<T, SorError> {
        let url = self.url(segments)?;
        let answer = self
            .send(false, || {
                self.client.post(url.clone()).header(name, value).json(body)
            })
            .await?;
        self.decode(&answer)
    }

    /// `DELETE segments`, expecting no body; retried.
    pub async fn delete(&self, segments: &[&str]) -> Result<(), SorError> {
        let url = self.url(segments)?;
        self.send(true, || self.client.delete(url.clone()))
            .await
            .map(drop)
    }

    /// Sends the request `build` makes, retrying transient failures when `idempotent`.
    async fn send(
        &self,
        idempotent: bool,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Vec<u8>, SorError> {
        // Forwarded so the SOR's logs can be joined with the BOR request that caused the call.
        let request_id = current_request_id();
        let mut attempt = 0;
        loop {
            let mut request = build();
            if let Some(id) = &request_id {
                request = request.header(REQUEST_ID_HEADER, id.as_str());
            }
            let (outcome, transient) = self.send_once(request).await;
            if outcome.is_ok() || !transient || !idempotent || !RETRY.allows(attempt) {
                return outcome;
            }
            let delay = RETRY.delay(attempt);
            attempt += 1;
            tracing::debug!(
                sor = self.name,
                attempt,
                ?delay,
                "retrying a remote SOR call"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// One try: the body of a 2xx answer, or the error it maps to and whether it is transient.
    async fn send_once(&self, request: RequestBuilder) -> (Result<Vec<u8>, SorError>, bool) {
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                let transient = e.is_connect();
                return (Err(self.transport_error(&e)), transient);
            }
        };
        let status = response.status();
        let body = match response.bytes().await {
            Ok(body) => body.to_vec(),
            Err(e) if e.is_timeout() => return (Err(self.transport_error(&e)), false),
            Err(e) => {
                let message = format!(
                    "{} SOR at {} sent an unreadable answer: {e}",
                    self.name, self.host
                );
                return (Err(SorError::Upstream(message)), false);
            }
        };
        if status.is_success() {
            return (Ok(body), false);
        }
        let transient = matches!(
            status,
            StatusCode::BAD_GATEWAY | StatusCode::SERVICE_UNAVAILABLE | StatusCode::GATEWAY_TIMEOUT
        );
        (Err(self.status_error(status, &body)), transient)
    }

    /// Maps an error answer to the `SorError` the remote side raised, keeping its message.
    fn status_error(&self, status: StatusCode, body: &[u8]) -> SorError {
        let message = serde_json::from_slice::<ErrorBody>(body)
            .map(|b| b.error)
            .unwrap_or_else(|_| format!("{} SOR at {} answered {status}", self.name, self.host));
        match status {
            StatusCode::NOT_FOUND => SorError::NotFound(message),
            StatusCode::BAD_REQUEST => SorError::Invalid(message),
            StatusCode::CONFLICT => SorError::Conflict(message),
            StatusCode::SERVICE_UNAVAILABLE => SorError::Unavailable(message),
            StatusCode::GATEWAY_TIMEOUT => SorError::Timeout(message),
            // 502 and anything else unforeseen: the remote side failed, not this process.
            _ => SorError::Upstream(message),
        }
    }

    /// Maps a failure to reach the SOR or to hear back from it in time.
    fn transport_error(&self, e: &reqwest::Error) -> SorError {
        if e.is_connect() {
            SorError::Unavailable(format!("{} SOR at {} is unreachable", self.name, self.host))
        } else if e.is_timeout() {
            SorError::Timeout(format!(
                "{} SOR at {} did not answer in time",
                self.name, self.host
            ))
        } else {
            SorError::Upstream(format!("{} SOR at {} failed: {e}", self.name, self.host))
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
        let (outcome, _) = self.sor.send_once(self.sor.client.get(url)).await;
        outcome.map_err(|e| e.to_string())?;
        Ok(Some(serde_json::json!({ "url": self.sor.base.as_str() })))
    }
}
