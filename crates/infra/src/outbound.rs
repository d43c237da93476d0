//! Outbound HTTP: the one way this service calls another one — Pyroscope, the remote SORs, and
//! whatever it notifies next. One `reqwest::Client` per peer, attempts bounded by one deadline,
//! retries of transient failures with [`Backoff`], the request id forwarded, and every attempt
//! timed in `upstream_request_duration_seconds{target, outcome}`. Every client trusts the
//! operating system's store, or `SSL_CERT_FILE` / `SSL_CERT_DIR` when set; a peer may add roots
//! and a client certificate of its own ([`PeerTls`]).
//!
//! It knows nothing of what the peer means: callers turn a [`Failure`] into their own error.

use std::error::Error as _;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{Client, ClientBuilder, RequestBuilder, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use crate::address_guard::{AddressDenied, AddressGuard};
use crate::backoff::Backoff;
use crate::budget::{current_priority, Budget, Permit};
use crate::telemetry::{current_request_id, Metrics, REQUEST_ID_HEADER};
use crate::tls::PeerTls;

/// Why a call failed, after its last attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// An attempt ran out of time: the connect timeout, or the time left before the deadline.
    Timeout,
    /// No complete HTTP answer: refused, reset, DNS, TLS, a body cut short.
    Unreachable {
        /// The reqwest error and its sources, without the URL (it may carry credentials).
        cause: String,
        /// Whether the connection itself could not be made, so the peer never saw the request.
        connect: bool,
        /// Whether the [`AddressGuard`] refused the address: nothing was sent, and another
        /// attempt would be refused too.
        denied: bool,
    },
    /// An HTTP answer with a non-success status, its body, and its `Retry-After` if it said one.
    Status {
        status: StatusCode,
        body: Bytes,
        retry_after: Option<Duration>,
    },
    /// A peer with a budget ([`Outbound::budgeted`]) kept refusing as too busy (429, 503), or
    /// its budget had no place, until the deadline: what it last said, and when to try again.
    Throttled {
        status: StatusCode,
        body: Bytes,
        retry_after: Duration,
    },
}

impl Failure {
    /// Whether another attempt may succeed: no answer, or a gateway saying the peer is busy or
    /// down. A timeout is retried only while time is left, which in practice means a connect
    /// timeout: an attempt that waited for an answer was given all of the remaining time.
    pub fn retryable(&self) -> bool {
        match self {
            Failure::Unreachable { denied: true, .. } => false,
            Failure::Timeout | Failure::Unreachable { .. } => true,
            Failure::Status { status, .. } => matches!(
                *status,
                StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
            ),
            Failure::Throttled { .. } => false,
        }
    }

    /// Whether the peer said it is too busy: 429 (Connect's `resource_exhausted`) or 503.
    fn refusal(&self) -> bool {
        matches!(
            self,
            Failure::Status { status, .. }
                if *status == StatusCode::TOO_MANY_REQUESTS || *status == StatusCode::SERVICE_UNAVAILABLE
        )
    }

    /// The `outcome` label of the latency metric.
    fn outcome(&self) -> &'static str {
        match self {
            Failure::Timeout => "timeout",
            Failure::Unreachable { denied: true, .. } => "denied",
            Failure::Unreachable { .. } => "unreachable",
            Failure::Status { .. } => "error",
            Failure::Throttled { .. } => "throttled",
        }
    }
}

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client for {target}")]
pub struct OutboundError {
    /// The peer, as in the metric's `target` label.
    pub target: &'static str,
    #[source]
    pub source: reqwest::Error,
}

/// The HTTP client of one peer.
#[derive(Clone)]
pub struct Outbound {
    client: Client,
    /// The metric's `target` label, e.g. `pyroscope` or `baseline_sor`.
    target: &'static str,
    metrics: Arc<Metrics>,
    /// Bytes of an answer kept; the rest is not read.
    max_body: usize,
    /// Sent as `Authorization: Bearer` with every request, when the peer requires a token.
    bearer: Option<SecretString>,
    /// Judges every address called, for URLs from user input.
    guard: Option<AddressGuard>,
    /// The peer's budget, for a shared server that guards itself ([`Outbound::budgeted`]).
    budget: Option<Budget>,
}

impl Outbound {
    /// A client for `target` whose connections must open within `connect_timeout`; `headers`
    /// go with every request (a tenant header, say).
    ///
    /// # Errors
    /// When the TLS backend cannot be initialised.
    pub fn new(
        target: &'static str,
        connect_timeout: Duration,
        headers: HeaderMap,
        metrics: Arc<Metrics>,
    ) -> Result<Self, OutboundError> {
        Self::with_tls(
            target,
            connect_timeout,
            headers,
            &PeerTls::default(),
            metrics,
        )
    }

    /// Like [`Outbound::new`], for a peer with roots or a client certificate of its own
    /// (Pyroscope behind a company CA, or a gateway that asks who calls).
    ///
    /// # Errors
    /// When the TLS backend cannot be initialised.
    pub fn with_tls(
        target: &'static str,
        connect_timeout: Duration,
        headers: HeaderMap,
        tls: &PeerTls,
        metrics: Arc<Metrics>,
    ) -> Result<Self, OutboundError> {
        let builder = tls.apply(Client::builder().default_headers(headers));
        Self::build(target, builder, connect_timeout, None, metrics)
    }

    /// A client for URLs from user input: it reaches only addresses `guard` permits, after
    /// resolving names itself (so it connects to the addresses it checked), and never through
    /// a proxy (which would resolve the name instead).
    ///
    /// # Errors
    /// When the TLS backend cannot be initialised.
    pub fn guarded(
        target: &'static str,
        connect_timeout: Duration,
        guard: AddressGuard,
        metrics: Arc<Metrics>,
    ) -> Result<Self, OutboundError> {
        let builder = Client::builder()
            .no_proxy()
            .dns_resolver(Arc::new(guard.clone()));
        Self::build(target, builder, connect_timeout, Some(guard), metrics)
    }

    fn build(
        target: &'static str,
        builder: ClientBuilder,
        connect_timeout: Duration,
        guard: Option<AddressGuard>,
        metrics: Arc<Metrics>,
    ) -> Result<Self, OutboundError> {
        let client = builder
            .connect_timeout(connect_timeout)
            // A peer answers itself: a redirect could point the call anywhere (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!(
                env!("CARGO_PKG_NAME"),
                "/",
                env!("CARGO_PKG_VERSION")
            ))
            .build()
            .map_err(|source| OutboundError { target, source })?;
        Ok(Outbound {
            client,
            target,
            metrics,
            max_body: usize::MAX,
            bearer: None,
            guard,
            budget: None,
        })
    }

    /// Calls through `budget`: each attempt takes a place in it (people's reads before the
    /// watcher's), and a refusal (429, 503) is waited out for its `Retry-After` (else the
    /// budget's widening pause) until the call's deadline, however many retries that takes.
    pub fn budgeted(mut self, budget: Budget) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Sends `token` as `Authorization: Bearer` with every request (none when `None`).
    pub fn bearer(mut self, token: Option<SecretString>) -> Self {
        self.bearer = token;
        self
    }

    /// Keeps at most `bytes` of each answer: for peers whose answers are not read (webhooks).
    pub fn max_body(mut self, bytes: usize) -> Self {
        self.max_body = bytes;
        self
    }

    /// The client, to build requests with.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends the request `build` makes until it succeeds, fails for good, runs out of the
    /// retries `retry` allows, or `deadline` passes. Each attempt may use only the time left,
    /// so retries never stretch the call beyond the deadline. Pass [`Backoff::NONE`] for a
    /// call that must not be repeated.
    pub async fn send(
        &self,
        deadline: Instant,
        retry: Backoff,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Bytes, Failure> {
        let mut attempt = 0u32;
        // What the peer said when it last refused, while it keeps refusing.
        let mut refused: Option<Failure> = None;
        loop {
            let permit = match &self.budget {
                Some(budget) => match self.place(budget, deadline).await {
                    Some(permit) => Some(permit),
                    None => return Err(self.given_up(refused, deadline)),
                },
                None => None,
            };
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(refused.map_or(Failure::Timeout, |r| self.given_up(Some(r), deadline)));
            }
            let result = self.attempt(build().timeout(remaining)).await;
            drop(permit);
            self.show_in_flight();
            let failure = match result {
                Ok(bytes) => {
                    if let Some(budget) = &self.budget {
                        budget.answered();
                    }
                    return Ok(bytes);
                }
                Err(failure) => failure,
            };
            if let (Some(budget), true) = (&self.budget, failure.refusal()) {
                self.metrics
                    .upstream_refusals
                    .with_label_values(&[self.target])
                    .inc();
                let pause = budget.refused(retry_after(&failure));
                tracing::debug!(
                    target = self.target,
                    pause_ms = pause.as_millis() as u64,
                    "the peer is busy; waiting"
                );
                refused = Some(failure);
                continue;
            }
            let delay = retry.delay(attempt);
            if !failure.retryable() || !retry.allows(attempt) || Instant::now() + delay >= deadline
            {
                return Err(failure);
            }
            tracing::debug!(
                target = self.target,
                attempt,
                outcome = failure.outcome(),
                "retrying an outbound call"
            );
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    /// A place in `budget` at this task's priority, the wait counted; `None` when the deadline
    /// comes first.
    async fn place(&self, budget: &Budget, deadline: Instant) -> Option<Permit> {
        let asked = Instant::now();
        let permit = budget.acquire(current_priority(), deadline).await;
        let waited = asked.elapsed().as_secs_f64();
        if waited > 0.0 {
            self.metrics
                .upstream_wait_seconds
                .with_label_values(&[self.target])
                .inc_by(waited);
        }
        self.show_in_flight();
        permit
    }

    fn show_in_flight(&self) {
        if let Some(budget) = &self.budget {
            let counts = budget.counts();
            let gauge = |g: &prometheus::IntGaugeVec, v: usize| {
                g.with_label_values(&[self.target])
                    .set(i64::try_from(v).unwrap_or(i64::MAX));
            };
            gauge(&self.metrics.upstream_in_flight, counts.in_flight);
            gauge(&self.metrics.upstream_in_flight_peak, counts.peak_in_flight);
        }
    }

    /// The failure of a call that ran out of time while the peer refused it (or its budget had
    /// no place): throttled, with the peer's last words and when to try again.
    fn given_up(&self, refused: Option<Failure>, _deadline: Instant) -> Failure {
        match refused {
            Some(Failure::Status {
                status,
                body,
                retry_after,
            }) => Failure::Throttled {
                status,
                body,
                retry_after: self.budget.as_ref().map_or(Duration::from_secs(1), |b| {
                    b.capped(retry_after.unwrap_or(Duration::from_secs(1)))
                }),
            },
            Some(other) => other,
            None => Failure::Throttled {
                status: StatusCode::TOO_MANY_REQUESTS,
                body: Bytes::from_static(
                    b"every place in this service's budget of calls to the peer stayed taken",
                ),
                retry_after: Duration::from_secs(1),
            },
        }
    }

    /// One attempt, timed: the body of a 2xx answer, or why there is none.
    async fn attempt(&self, mut request: RequestBuilder) -> Result<Bytes, Failure> {
        // Forwarded so the peer's logs can be joined with the request that caused the call.
        if let Some(id) = current_request_id() {
            request = request.header(REQUEST_ID_HEADER, id.as_str());
        }
        if let Some(token) = &self.bearer {
            // reqwest marks the header sensitive: it never shows in a debug print.
            request = request.bearer_auth(token.expose_secret());
        }
        let started = Instant::now();
        let result = async {
            let request = request.build().map_err(transport_failure)?;
            if let Some(guard) = &self.guard {
                guard.check_literal(request.url()).map_err(denied)?;
            }
            let mut response = self
                .client
                .execute(request)
                .await
                .map_err(transport_failure)?;
            let status = response.status();
            let retry_after = response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            let body = if self.max_body == usize::MAX {
                response.bytes().await.map_err(transport_failure)?
            } else {
                let mut kept = Vec::new();
                while kept.len() < self.max_body {
                    match response.chunk().await.map_err(transport_failure)? {
                        Some(chunk) => kept.extend_from_slice(&chunk),
                        None => break,
                    }
                }
                kept.truncate(self.max_body);
                Bytes::from(kept)
            };
            if status.is_success() {
                Ok(body)
            } else {
                Err(Failure::Status {
                    status,
                    body,
                    retry_after,
                })
            }
        }
        .await;
        let outcome = result.as_ref().err().map_or("ok", Failure::outcome);
        self.metrics
            .upstream_requests
            .with_label_values(&[self.target, outcome])
            .observe(started.elapsed().as_secs_f64());
        result
    }
}

/// The pause a failure asks for: its `Retry-After`.
fn retry_after(failure: &Failure) -> Option<Duration> {
    match failure {
        Failure::Status { retry_after, .. } => *retry_after,
        Failure::Throttled { retry_after, .. } => Some(*retry_after),
        _ => None,
    }
}

/// A `Retry-After` value: seconds, or an HTTP date (a date past is no pause).
fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let left = at.timestamp_millis() - chrono::Utc::now().timestamp_millis();
    Some(Duration::from_millis(u64::try_from(left).unwrap_or(0)))
}

/// Classifies a reqwest error. The URL is left out of the message (the base URL could carry
/// credentials); the source chain is kept because the top-level message alone says little.
fn transport_failure(error: reqwest::Error) -> Failure {
    if error.is_timeout() {
        return Failure::Timeout;
    }
    let connect = error.is_connect();
    let error = error.without_url();
    let mut cause = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        // The guard refused what the name resolves to.
        if let Some(refusal) = inner.downcast_ref::<AddressDenied>() {
            return denied(refusal.clone());
        }
        let text = inner.to_string();
        if !cause.contains(&text) {
            cause.push_str(": ");
            cause.push_str(&text);
        }
        source = inner.source();
    }
    Failure::Unreachable {
        cause,
        connect,
        denied: false,
    }
}

/// The failure of a call to an address the guard refuses.
fn denied(refusal: AddressDenied) -> Failure {
    Failure::Unreachable {
        cause: refusal.to_string(),
        connect: true,
        denied: true,
    }
}

#[cfg(test)]
#[path = "outbound_tests.rs"]
mod tests;
