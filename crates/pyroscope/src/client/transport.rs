//! One Pyroscope call on the wire: authorised, sent through the shared outbound client within
//! the call's deadline, and its failure turned into the SOR's error.

use bytes::Bytes;
use reqwest::RequestBuilder;
use tokio::time::Instant;

use super::{modern, PyroscopeClient, RETRY_BASE_DELAY};
use pf_infra::backoff::Backoff;
use pf_infra::outbound::Failure;
use pf_infra::sor::SorError;

impl PyroscopeClient {
    /// Sends a request built by `build`, authorised, until it succeeds, fails for good, runs
    /// out of retries, or the deadline passes: every call of the client goes through here.
    pub(super) async fn send(
        &self,
        deadline: Instant,
        max_retries: u32,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Bytes, Failure> {
        // Retries never stretch the call past its deadline, so no wait needs a cap of its own.
        let retry = Backoff {
            base: RETRY_BASE_DELAY,
            max_delay: self.request_timeout,
            max_retries,
        };
        self.outbound
            .send(deadline, retry, || self.auth.authorize(build()))
            .await
    }

    /// [`PyroscopeClient::send`], its failure turned into the SOR's error.
    pub(super) async fn fetch(
        &self,
        operation: &'static str,
        deadline: Instant,
        max_retries: u32,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Bytes, SorError> {
        self.send(deadline, max_retries, build)
            .await
            .map_err(|failure| self.error(operation, failure))
    }

    /// [`PyroscopeClient::fetch`] of a method a server may not have (`Series`, `ProfileTypes`
    /// behind a proxy that passes only the flame graphs): its 404, 501 or `unimplemented` is
    /// `NotImplemented`, so the caller can do without it.
    pub(super) async fn fetch_optional(
        &self,
        operation: &'static str,
        deadline: Instant,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Bytes, SorError> {
        match self.send(deadline, self.max_retries, build).await {
            Ok(bytes) => Ok(bytes),
            Err(failure) if super::pprof_read::unimplemented(&failure) => Err(
                SorError::NotImplemented(format!("Pyroscope does not answer {operation}")),
            ),
            Err(failure) => Err(self.error(operation, failure)),
        }
    }

    pub(super) fn error(&self, operation: &str, failure: Failure) -> SorError {
        match failure {
            Failure::Timeout => SorError::Timeout(format!(
                "Pyroscope did not answer {operation} in time (limit {}s)",
                self.request_timeout.as_secs_f64()
            )),
            Failure::Unreachable { cause, .. } => SorError::Upstream(format!(
                "Pyroscope at {} is unreachable ({operation}): {cause}{}",
                self.base.host_str().unwrap_or("?"),
                tls_hint(&cause)
            )),
            Failure::Status { status, body, .. } => match error_message(&body) {
                message if message.is_empty() => {
                    SorError::Upstream(format!("Pyroscope answered {status} to {operation}"))
                }
                message => SorError::Upstream(format!(
                    "Pyroscope answered {status} to {operation}: {message}"
                )),
            },
            Failure::Throttled {
                status,
                body,
                retry_after,
            } => {
                let said = match error_message(&body) {
                    m if m.is_empty() => String::new(),
                    m => format!(": {m}"),
                };
                SorError::Throttled {
                    message: format!(
                        "Pyroscope is too busy: it kept answering {status} to {operation}{said} \
                         for as long as this read could wait ({}s)",
                        self.request_timeout.as_secs_f64()
                    ),
                    retry_after_secs: retry_after.as_secs().max(1),
                }
            }
        }
    }
}

/// The setting that fixes a refused handshake, since the fix is a setting, not a retry. rustls
/// names the problem: "invalid peer certificate: UnknownIssuer" when Pyroscope's is not
/// trusted, "received fatal alert: CertificateRequired" (or `BadCertificate`, `UnknownCA`)
/// when the server wanted another of ours.
fn tls_hint(cause: &str) -> &'static str {
    if cause.contains("invalid peer certificate") {
        " (trust Pyroscope's CA with pyroscope.ca_file, or SSL_CERT_FILE / SSL_CERT_DIR)"
    } else if cause.contains("received fatal alert")
        && (cause.contains("Certificate") || cause.contains("UnknownCA"))
    {
        " (the server wants a client certificate it trusts: pyroscope.client_cert and \
         pyroscope.client_key)"
    } else {
        ""
    }
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
