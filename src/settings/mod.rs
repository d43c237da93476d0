//! Typed settings: embedded defaults, then an optional file, then the environment.

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

mod demo;
mod validate;

use pf_alerts::AlertSettings;
use pf_commits::RepositorySettings;
pub use pf_diff_report::DiffSettings;
pub use pf_fleet_search::FleetSettings;
pub use pf_history::HistoryWriteSettings;
use pf_http::auth_settings::AuthSettings;
use pf_infra::db::settings::DatabaseSettings;
use pf_infra::durations;
use pf_infra::outbound_settings::{parse_cidrs, DeliveryAddressSettings, OutboundSettings};
use pf_infra::tasks::StartError;
use pf_ingest::IngestSettings;
pub use pf_module::{Bor, BorVersion, Function};
use pf_profiles::{ProfileSource, ProfilesSettings, PyroscopeSettings};
use pf_regressions::LeaksConfig;
pub use pf_triage::TriageSettings;
use pf_watch::WatchSettings;

/// The shipped defaults, compiled in so the binary runs from any directory.
const DEFAULTS: &str = include_str!("../../config/default.toml");

/// Flat environment names from the original deployment, mapped to their settings keys.
const FLAT_ENV: &[(&str, &str)] = &[
    ("FUNCTION", "function"),
    ("PORT", "server.port"),
    ("PYROSCOPE_URL", "pyroscope.url"),
    ("PYROSCOPE_TENANT_ID", "pyroscope.tenant_id"),
    ("PYROSCOPE_USERNAME", "pyroscope.username"),
    ("PYROSCOPE_PASSWORD", "pyroscope.password"),
    ("PYROSCOPE_BEARER_TOKEN", "pyroscope.bearer_token"),
    ("PYROSCOPE_CA_FILE", "pyroscope.ca_file"),
    ("PYROSCOPE_CLIENT_CERT", "pyroscope.client_cert"),
    ("PYROSCOPE_CLIENT_KEY", "pyroscope.client_key"),
    ("PROFILES_DIR", "profiles.dir"),
    ("PROFILE_DATA_URL", "sors.profile_data_url"),
    ("BASELINE_URL", "sors.baseline_url"),
    ("HISTORY_URL", "sors.history_url"),
    ("REGISTRY_URL", "sors.registry_url"),
    ("ALERT_RULE_URL", "sors.alert_rule_url"),
    ("WATCH_URL", "sors.watch_url"),
    ("DATABASE_URL", "database.url"),
    ("DB_HOST", "database.host"),
    ("DB_PORT", "database.port"),
    ("DB_NAME", "database.name"),
    ("DB_USER", "database.user"),
    ("DB_PASSWORD", "database.password"),
    ("DB_POOL_SIZE", "database.pool_size"),
    ("DB_SSL_MODE", "database.ssl_mode"),
    ("DB_SSL_ROOT_CERT", "database.ssl_root_cert"),
    ("ALERTMANAGER_URL", "alerts.alertmanager_url"),
    ("SOR_TOKEN", "sors.token"),
];

/// Why the settings could not be loaded; the message names the offending key.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("invalid configuration: {0}")]
    Config(#[from] config::ConfigError),
    #[error("invalid configuration: `{key}` {reason}")]
    Invalid { key: &'static str, reason: String },
}

/// Everything the service can be configured with.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub function: Function,
    pub server: ServerSettings,
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    pub pyroscope: PyroscopeSettings,
    pub profiles: ProfilesSettings,
    pub sors: SorUrls,
    pub triage: TriageSettings,
    pub diff: DiffSettings,
    pub fleet: FleetSettings,
    pub history_writes: HistoryWriteSettings,
    pub alerts: AlertSettings,
    pub watch: WatchSettings,
    pub leaks: LeaksConfig,
    pub repositories: RepositorySettings,
    pub ingest: IngestSettings,
    #[serde(default)]
    pub auth: AuthSettings,
    pub outbound: OutboundSettings,
    /// `delivery.allow_cidrs`: the ranges webhooks may reach inside `outbound.deny`.
    #[serde(default)]
    pub delivery: DeliveryAddressSettings,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    pub port: u16,
    pub max_body_bytes: NonZeroUsize,
    #[serde(deserialize_with = "durations::secs")]
    pub shutdown_timeout_secs: Duration,
    pub workers: usize,
    /// A request body that has not wholly arrived after this long is dropped (SPEC §34).
    #[serde(deserialize_with = "durations::positive_secs")]
    pub body_timeout_secs: Duration,
}

/// `[http]`: what every request is bounded by at the edge (SPEC §34).
#[derive(Debug, Clone, Deserialize)]
pub struct HttpSettings {
    /// The longest window a request may ask for; a longer one is 400.
    pub max_window_days: std::num::NonZeroU32,
}

/// Where a BOR reaches each SOR over HTTP (rule 1 of docs/split-deployment.md#the-dependency-rule).
#[derive(Debug, Clone, Deserialize)]
pub struct SorUrls {
    pub profile_data_url: Option<Url>,
    pub baseline_url: Option<Url>,
    pub history_url: Option<Url>,
    pub registry_url: Option<Url>,
    pub alert_rule_url: Option<Url>,
    /// The profile watcher, whose trends the triage page draws (env `WATCH_URL`).
    pub watch_url: Option<Url>,
    #[serde(deserialize_with = "durations::secs")]
    pub request_timeout_secs: Duration,
    /// Sent as `Authorization: Bearer` to every remote SOR (env `SOR_TOKEN`).
    pub token: Option<SecretString>,
}

impl Settings {
    /// Loads defaults, then `file` (if any), then the process environment.
    pub fn load(file: Option<&str>) -> Result<Self, SettingsError> {
        Self::load_from(file, std::env::vars())
    }

    /// Like [`Settings::load`] with an explicit environment, so tests need not mutate the process's.
    pub fn load_from(
        file: Option<&str>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, SettingsError> {
        let env: BTreeMap<String, String> = env.into_iter().collect();
        let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        if let Some(path) = file.or(env.get("APP_CONFIG").map(String::as_str)) {
            builder = builder.add_source(File::with_name(path).required(true));
        }
        builder = builder.add_source(
            Environment::with_prefix("APP")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true)
                .source(Some(env.clone().into_iter().collect())),
        );
        for (name, key) in FLAT_ENV {
            if let Some(value) = env.get(*name).filter(|v| !v.trim().is_empty()) {
                builder = builder.set_override(*key, value.as_str())?;
            }
        }
        let mut settings: Settings = builder.build()?.try_deserialize()?;
        if let Some(raw) = env.get("API_TOKENS").filter(|v| !v.trim().is_empty()) {
            settings.auth.tokens =
                pf_http::auth_settings::parse_env_tokens(raw).map_err(|reason| {
                    SettingsError::Invalid {
                        key: "API_TOKENS",
                        reason,
                    }
                })?;
        }
        if let Some(raw) = env
            .get("DELIVERY_ALLOW_CIDRS")
            .filter(|v| !v.trim().is_empty())
        {
            settings.delivery.allow_cidrs =
                parse_cidrs(raw).map_err(|reason| SettingsError::Invalid {
                    key: "DELIVERY_ALLOW_CIDRS",
                    reason,
                })?;
        }
        settings.validate()?;
        Ok(settings)
    }

    /// Which source answers Profile Data: decided here, from `pyroscope.url` and
    /// `profiles.dir`, for every part that asks.
    ///
    /// # Errors
    /// When both are set.
    pub fn profile_source(&self) -> Result<ProfileSource, StartError> {
        ProfileSource::of(&self.pyroscope, &self.profiles)
    }
}

#[cfg(test)]
mod repositories_tests;
#[cfg(test)]
mod tests;
