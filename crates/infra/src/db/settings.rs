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

#[derive(Debug, Clone, Deserialize)]
pub struct EmbeddedSettings {
    pub enabled: bool,
    pub data_dir: PathBuf,
    pub bin_dir: Option<PathBuf>,
}
