//! The database over TLS (SPEC §35): `sslmode` and `sslrootcert`, from `DATABASE_URL`'s query
//! or from `database.ssl_mode` / `database.ssl_root_cert` beside `DB_HOST`, and a first
//! connection at start-up when TLS is required, so that a certificate that cannot be trusted
//! stops the service naming its setting instead of answering 503 on every call.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::{ConnectOptions, Connection};

use super::settings::{DatabaseSettings, SslMode};
use crate::tasks::StartError;

/// How long the first connection may take before the service starts without knowing (the
/// stores answer 503 until PostgreSQL answers, as without TLS).
const FIRST_CONNECTION_WITHIN: Duration = Duration::from_secs(10);

/// What TLS the connection asks for, and the settings that said so.
#[derive(Debug, Clone)]
pub(super) struct TlsChoice {
    mode: PgSslMode,
    root_cert: Option<PathBuf>,
    /// The setting naming the mode, and the one naming the CA bundle.
    mode_key: &'static str,
    root_key: &'static str,
}

impl TlsChoice {
    /// What `DATABASE_URL` says: its `sslmode` (libpq's `prefer` when absent) and `sslrootcert`
    /// (the options parsed from the same URL apply them).
    pub(super) fn of_url(url: &str, options: &PgConnectOptions) -> Self {
        let root_cert = url::Url::parse(url).ok().and_then(|url| {
            url.query_pairs()
                .find(|(k, _)| matches!(&**k, "sslrootcert" | "ssl-root-cert" | "ssl-ca"))
                .map(|(_, v)| PathBuf::from(v.into_owned()))
        });
        TlsChoice {
            mode: options.get_ssl_mode(),
            root_cert,
            mode_key: "database.url (its sslmode)",
            root_key: "database.url (its sslrootcert)",
        }
    }

    /// The `database.ssl_*` settings applied to `options` (for `DB_HOST`).
    pub(super) fn of_settings(
        settings: &DatabaseSettings,
        mut options: PgConnectOptions,
    ) -> (Self, PgConnectOptions) {
        if let Some(mode) = settings.ssl_mode {
            options = options.ssl_mode(pg_mode(mode));
        }
        if let Some(root) = &settings.ssl_root_cert {
            options = options.ssl_root_cert(root);
        }
        let choice = TlsChoice {
            mode: options.get_ssl_mode(),
            root_cert: settings.ssl_root_cert.clone(),
            mode_key: "database.ssl_mode",
            root_key: "database.ssl_root_cert",
        };
        (choice, options)
    }

    /// Whether the connection fails rather than go without TLS.
    fn required(&self) -> bool {
        matches!(
            self.mode,
            PgSslMode::Require | PgSslMode::VerifyCa | PgSslMode::VerifyFull
        )
    }

    /// Whether the server's certificate is checked against trusted CAs.
    fn verifies(&self) -> bool {
        matches!(self.mode, PgSslMode::VerifyCa | PgSslMode::VerifyFull)
    }

    /// When TLS is required: the CA bundle must hold certificates, and a first connection
    /// must not fail its handshake. PostgreSQL being out of reach does not stop the start:
    /// the stores answer 503 until it answers, as without TLS.
    ///
    /// # Errors
    /// The setting that cannot serve: the CA bundle (unreadable, no certificate, or not the
    /// signer of the server's certificate) or the mode (a server without TLS).
    pub(super) async fn check(&self, options: &PgConnectOptions) -> Result<(), StartError> {
        if !self.required() {
            return Ok(());
        }
        if let (true, Some(root)) = (self.verifies(), &self.root_cert) {
            check_bundle(self.root_key, root)?;
        }
        let first = tokio::time::timeout(FIRST_CONNECTION_WITHIN, options.connect()).await;
        match first {
            Ok(Ok(connection)) => {
                let _ = connection.close().await;
                Ok(())
            }
            Ok(Err(e)) if refused_tls(&e) => Err(self.refused(options, &e)),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "PostgreSQL is not reachable yet; its TLS is checked when it is");
                Ok(())
            }
            Err(_) => {
                tracing::warn!(
                    "PostgreSQL did not answer at start-up; its TLS is checked when it does"
                );
                Ok(())
            }
        }
    }

    /// The refusal of a failed handshake, naming the setting to look at.
    fn refused(&self, options: &PgConnectOptions, e: &sqlx::Error) -> StartError {
        let at = format!("{}:{}", options.get_host(), options.get_port());
        let (key, what) = match (&self.root_cert, self.verifies()) {
            (Some(root), true) => (
                self.root_key,
                format!(
                    "names `{}`, which does not verify the certificate of PostgreSQL at {at}",
                    root.display()
                ),
            ),
            (None, true) => (
                self.mode_key,
                format!(
                    "verifies PostgreSQL at {at} against the system's CAs, which do not \
                     verify its certificate (set sslrootcert)"
                ),
            ),
            _ => (
                self.mode_key,
                format!("requires TLS, which PostgreSQL at {at} does not give"),
            ),
        };
        StartError {
            key,
            reason: format!("{what}: {e}"),
        }
    }
}

/// Whether `e` is the handshake refusing TLS, not PostgreSQL out of reach: sqlx's own TLS
/// errors, and rustls's refusal of the certificate, which reaches sqlx as invalid data on the
/// socket.
fn refused_tls(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Tls(_) | sqlx::Error::Configuration(_) => true,
        sqlx::Error::Io(io) => io.kind() == std::io::ErrorKind::InvalidData,
        _ => false,
    }
}

/// libpq's mode as sqlx names it.
fn pg_mode(mode: SslMode) -> PgSslMode {
    match mode {
        SslMode::Disable => PgSslMode::Disable,
        SslMode::Allow => PgSslMode::Allow,
        SslMode::Prefer => PgSslMode::Prefer,
        SslMode::Require => PgSslMode::Require,
        SslMode::VerifyCa => PgSslMode::VerifyCa,
        SslMode::VerifyFull => PgSslMode::VerifyFull,
    }
}

/// The CA bundle `path` holds at least one PEM certificate.
fn check_bundle(key: &'static str, path: &Path) -> Result<(), StartError> {
    let loaded = rustls_native_certs::load_certs_from_paths(Some(path), None);
    let reason = if let Some(error) = loaded.errors.first() {
        format!("names `{}`, which cannot be read: {error}", path.display())
    } else if loaded.certs.is_empty() {
        format!("names `{}`, which holds no PEM certificate", path.display())
    } else {
        return Ok(());
    };
    Err(StartError { key, reason })
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn the_url_names_its_mode_and_ca_bundle() {
        let url = "postgres://u:p@db:5432/x?sslmode=verify-full&sslrootcert=/etc/ca.pem";
        let options = PgConnectOptions::from_str(url).unwrap();
        let choice = TlsChoice::of_url(url, &options);
        assert!(matches!(choice.mode, PgSslMode::VerifyFull));
        assert_eq!(choice.root_cert, Some(PathBuf::from("/etc/ca.pem")));
        assert!(choice.required() && choice.verifies());
        let plain = "postgres://u@db/x";
        let choice = TlsChoice::of_url(plain, &PgConnectOptions::from_str(plain).unwrap());
        assert!(matches!(choice.mode, PgSslMode::Prefer));
        assert!(!choice.required());
    }

    #[tokio::test]
    async fn a_ca_bundle_that_holds_no_certificate_stops_the_start_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("ca.pem");
        std::fs::write(&empty, "not a certificate").unwrap();
        let url = format!(
            "postgres://u@127.0.0.1:1/x?sslmode=verify-ca&sslrootcert={}",
            empty.display()
        );
        let options = PgConnectOptions::from_str(&url).unwrap();
        let err = TlsChoice::of_url(&url, &options)
            .check(&options)
            .await
            .unwrap_err();
        assert_eq!(err.key, "database.url (its sslrootcert)");
        assert!(
            err.reason.contains("holds no PEM certificate"),
            "{}",
            err.reason
        );
        let missing = url.replace("ca.pem", "missing.pem");
        let options = PgConnectOptions::from_str(&missing).unwrap();
        let err = TlsChoice::of_url(&missing, &options)
            .check(&options)
            .await
            .unwrap_err();
        assert!(err.reason.contains("cannot be read"), "{}", err.reason);
    }
}
