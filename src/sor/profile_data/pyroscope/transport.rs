//! One Pyroscope call on the wire: attempts within a deadline, retries of transient failures,
//! latency metrics, and failures turned into the SOR's errors.

use std::error::Error as _;

use actix_web::web::Bytes;
use reqwest::{RequestBuilder, StatusCode};
use tokio::time::Instant;

use super::{modern, PyroscopeClient, RETRY_BASE_DELAY};
use crate::backoff::Backoff;
use crate::sor::SorError;

/// One failed attempt, classified for the retry decision and the final message.
pub(super) enum Failure {
    /// An attempt ran out of time: the connect timeout, or the time left before the deadline.
    Timeout,
    /// No HTTP answer: refused, reset, DNS, TLS, connect timeout.
    Unreachable(String),
    /// An HTTP answer with a non-success status.
    Status { status: StatusCode, message: String },
}

impl Failure {
    /// Transient failures of these read-only calls are worth another attempt. A timeout is
    /// retried only while time is left, which in practice means a connect timeout: an attempt
    /// that waited for an answer was given all of the remaining time.
    fn retryable(&self) -> bool {
        match self {
            Failure::Timeout | Failure::Unreachable(_) => true,
            Failure::Status { status, .. } => matches!(
                *status,
                StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
            ),
        }
    }

    fn outcome(&self) -> &'static str {
        match self {
            Failure::Timeout => "timeout",
            Failure::Unreachable(_) => "unreachable",
            Failure::Status { .. } => "error",
        }
    }
}

impl PyroscopeClient {
    /// Sends a request built by `build` until it succeeds, fails for good, runs out of retries,
    /// or the deadline passes. Each attempt may use only the time left, so retries never stretch
    /// the call beyond the deadline.
    pub(super) async fn fetch(
        &self,
        operation: &'static str,
        deadline: Instant,
        max_retries: u32,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Bytes, SorError> {
        // Retries never stretch the call past its deadline, so no wait needs a cap of its own.
        let backoff = Backoff {
            base: RETRY_BASE_DELAY,
            max_delay: self.request_timeout,
            max_retries,
        };
        let mut attempt = 0u32;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(self.error(operation, Failure::Timeout));
            }
            let started = Instant::now();
            let result = self
                .attempt(self.auth.authorize(build()).timeout(remaining))
                .await;
            let outcome = result.as_ref().err().map_or("ok", Failure::outcome);
            self.metrics
                .upstream_requests
                .with_label_values(&["pyroscope", outcome])
                .observe(started.elapsed().as_secs_f64());
            let failure = match result {
                Ok(bytes) => return Ok(bytes),
                Err(failure) => failure,
            };
            let delay = backoff.delay(attempt);
            if !failure.retryable()
                || !backoff.allows(attempt)
                || Instant::now() + delay >= deadline
            {
                return Err(self.error(operation, failure));
            }
            tracing::debug!(operation, attempt, outcome, "retrying a Pyroscope call");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    pub(super) async fn attempt(&self, request: RequestBuilder) -> Result<Bytes, Failure> {
        let response = request.send().await.map_err(transport_failure)?;
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport_failure)?;
        if status.is_success() {
            Ok(bytes)
        } else {
            Err(Failure::Status {
                status,
                message: error_message(&bytes),
            })
        }
    }

    pub(super) fn error(&self, operation: &str, failure: Failure) -> SorError {
        match failure {
            Failure::Timeout => SorError::Timeout(format!(
                "Pyroscope did not answer {operation} in time (limit {}s)",
                self.request_timeout.as_secs_f64()
            )),
            Failure::Unreachable(cause) => SorError::Upstream(format!(
                "Pyroscope at {} is unreachable ({operation}): {cause}",
                self.base.host_str().unwrap_or("?")
            )),
            Failure::Status { status, message } if message.is_empty() => {
                SorError::Upstream(format!("Pyroscope answered {status} to {operation}"))
            }
            Failure::Status { status, message } => SorError::Upstream(format!(
                "Pyroscope answered {status} to {operation}: {message}"
            )),
        }
    }
}

/// Classifies a reqwest error. The URL is left out of the message (the base URL could carry
/// credentials); the source chain is kept because the top-level message alone says little.
pub(super) fn transport_failure(error: reqwest::Error) -> Failure {
    if error.is_timeout() {
        return Failure::Timeout;
    }
    let error = error.without_url();
    let mut cause = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !cause.contains(&text) {
            cause.push_str(": ");
            cause.push_str(&text);
        }
        source = inner.source();
    }
    Failure::Unreachable(cause)
}

/// A short reason from an error body: the Connect `message` when there is one, else the text.
pub(super) fn error_message(body: &[u8]) -> String {
    const MAX_CHARS: usize = 300;
    let text = match serde_json::from_slice::<modern::ConnectError>(body) {
        Ok(e) if !e.message.is_empty() && !e.code.is_empty() => {
            format!("{} ({})", e.message, e.code)
        }
        Ok(e) if !e.message.is_empty() => e.message,
        _ => String::from_utf8_lossy(body).trim().to_owned(),
    };
    text.chars().take(MAX_CHARS).collect()
}
