//! Settings of the database: an external PostgreSQL, or the embedded one.

use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use crate::durations;

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: Option<SecretString>,
    pub host: Option<String>,
    pub port: u16,
    pub name: String,
    pub user: String,
    pub password: Option<SecretString>,
    /// TLS to an external PostgreSQL reached through `host` (env `DB_SSL_MODE`); a
    /// `DATABASE_URL` says it as `?sslmode=`.
    #[serde(default)]
    pub ssl_mode: Option<SslMode>,
    /// The CA bundle (PEM) that signs the server's certificate, for `verify-ca` and
    /// `verify-full` (env `DB_SSL_ROOT_CERT`); a `DATABASE_URL` says it as `?sslrootcert=`.
    #[serde(default)]
    pub ssl_root_cert: Option<PathBuf>,
    pub pool_size: NonZeroU32,
    #[serde(deserialize_with = "durations::secs")]
    pub acquire_timeout_secs: Duration,
    pub max_retries: u32,
    #[serde(deserialize_with = "durations::millis")]
    pub retry_base_delay_ms: Duration,
    #[serde(deserialize_with = "durations::millis")]
    pub retry_max_delay_ms: Duration,
    pub embedded: EmbeddedSettings,
}

/// PostgreSQL's `sslmode`, as libpq names its values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// TLS only when the server insists.
    Allow,
    /// TLS when the server offers it, without checking its certificate (libpq's default, and
    /// the default here).
    Prefer,
    /// TLS or no connection, without checking the certificate.
    Require,
    /// TLS, the certificate signed by a trusted CA (`ssl_root_cert`, else the system's).
    VerifyCa,
    /// As `verify-ca`, and the certificate names the host connected to.
    VerifyFull,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EmbeddedSettings {
    pub enabled: bool,
    pub data_dir: PathBuf,
    pub bin_dir: Option<PathBuf>,
}
