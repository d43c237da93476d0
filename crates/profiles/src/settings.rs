//! Settings of the profile sources: pprof files, or Pyroscope.

use std::collections::BTreeMap;
use std::num::{NonZeroU32, NonZeroU64, NonZeroUsize};
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;
use url::Url;

use pf_infra::durations;
use pf_infra::tasks::StartError;

use pf_model::ProfileType;

/// pprof files as the profile source (docs/agents.md#profiles-from-files).
#[derive(Debug, Clone, Deserialize)]
pub struct ProfilesSettings {
    /// `<dir>/<app>/<file>` (env `PROFILES_DIR`); unset unless files are the source.
    pub dir: Option<PathBuf>,
    /// The bundled demo profiles, read when neither Pyroscope nor `dir` is set.
    pub demo_dir: PathBuf,
    /// The directory is listed again at most this often.
    #[serde(deserialize_with = "durations::positive_secs")]
    pub rescan_secs: Duration,
    /// Largest profile read, in bytes after decompression.
    pub max_decoded_bytes: NonZeroU64,
    /// Deepest stack read, in frames.
    pub max_stack_depth: NonZeroUsize,
    /// The memory the listing keeps parsed call trees in; past it, the oldest files' trees are
    /// read from disk again when asked for.
    pub max_parsed_bytes: NonZeroU64,
    /// Logical type → pprof sample types (`type/unit`), first match wins.
    pub sample_types: BTreeMap<String, Vec<String>>,
    /// Logical type → the series name that starts the reported profile-type ID.
    pub series_names: BTreeMap<String, String>,
}

impl ProfilesSettings {
    /// The bounds of every profile read (`max_decoded_bytes`, `max_stack_depth`).
    pub fn limits(&self) -> pf_pprof::Limits {
        pf_pprof::Limits {
            max_decoded_bytes: self.max_decoded_bytes.get(),
            max_stack_depth: self.max_stack_depth.get(),
        }
    }

    /// The bundled demo's directory: a relative one is looked up in the working directory, then
    /// in the source checkout the binary was built from (so `cargo run` works from anywhere in it).
    pub fn demo_dir(&self) -> PathBuf {
        let configured = self.demo_dir.as_path();
        if configured.is_absolute() || configured.is_dir() {
            return configured.to_path_buf();
        }
        // This crate sits two folders below the checkout (`crates/profiles`).
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let checkout = manifest.ancestors().nth(2).unwrap_or(manifest);
        let built = checkout.join(configured);
        if built.is_dir() {
            built
        } else {
            configured.to_path_buf()
        }
    }

    /// The in-use sample types (`type/unit`): snapshots, averaged rather than added
    /// (docs/runtimes.md).
    pub fn snapshot_types(&self) -> Vec<String> {
        let inuse = self.sample_types.get(ProfileType::Inuse.as_str());
        inuse.cloned().unwrap_or_default()
    }

    /// The key and the reason of the first invalid value.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        let invalid = |key, reason| Err((key, reason));
        for logical in ProfileType::ALL.map(ProfileType::as_str) {
            if self.sample_types.get(logical).is_none_or(Vec::is_empty) {
                return invalid(
                    "profiles.sample_types",
                    "needs sample types for cpu, alloc, lock, wall and inuse",
                );
            }
            if !self.series_names.contains_key(logical) {
                return invalid(
                    "profiles.series_names",
                    "needs names for cpu, alloc, lock, wall and inuse",
                );
            }
        }
        Ok(())
    }
}

/// Which source answers Profile Data, decided once ([`ProfileSource::of`]) from
/// `pyroscope.url` and `profiles.dir` (docs/agents.md#profiles-from-files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileSource {
    /// Pyroscope at `pyroscope.url`; pushes are forwarded there.
    Pyroscope(Url),
    /// The pprof files under `profiles.dir`; pushes are kept among them.
    Files(PathBuf),
    /// Neither set: pushed profiles, kept in `ingest.store_dir`, beside the bundled demo.
    PushesAndDemo,
}

impl ProfileSource {
    /// The source the settings name.
    ///
    /// # Errors
    /// When both `pyroscope.url` and `profiles.dir` are set.
    pub fn of(
        pyroscope: &PyroscopeSettings,
        profiles: &ProfilesSettings,
    ) -> Result<Self, StartError> {
        match (&pyroscope.url, &profiles.dir) {
            (Some(url), Some(dir)) => Err(StartError {
                key: "profiles.dir",
                reason: format!(
                    "(PROFILES_DIR = {}) and `pyroscope.url` (PYROSCOPE_URL = {}) are both set: \
                     choose one profile source",
                    dir.display(),
                    without_credentials(url)
                ),
            }),
            (Some(url), None) => Ok(ProfileSource::Pyroscope(url.clone())),
            (None, Some(dir)) => Ok(ProfileSource::Files(dir.clone())),
            (None, None) => Ok(ProfileSource::PushesAndDemo),
        }
    }
}

/// `url` as it may be shown: no user name or password.
pub fn without_credentials(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// Which Pyroscope HTTP API to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PyroscopeApi {
    /// Grafana Pyroscope 1.x, Connect querier API.
    Modern,
    /// Pyroscope OG (<= 0.37), `/render` API.
    Legacy,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PyroscopeSettings {
    /// Unset unless Pyroscope is the profile source (env `PYROSCOPE_URL`).
    pub url: Option<Url>,
    pub api: PyroscopeApi,
    pub app_label: String,
    /// Sent as `X-Scope-OrgID` (env `PYROSCOPE_TENANT_ID`).
    pub tenant_id: Option<String>,
    /// Basic auth, with `password` (env `PYROSCOPE_USERNAME`, `PYROSCOPE_PASSWORD`).
    pub username: Option<String>,
    pub password: Option<SecretString>,
    /// Sent as `Authorization: Bearer` when no username is set (env `PYROSCOPE_BEARER_TOKEN`).
    pub bearer_token: Option<SecretString>,
    /// A PEM bundle of CAs trusted for Pyroscope besides the system's (env `PYROSCOPE_CA_FILE`).
    pub ca_file: Option<PathBuf>,
    /// The PEM certificate chain and unencrypted private key presented to a gateway that asks
    /// for a client certificate (env `PYROSCOPE_CLIENT_CERT`, `PYROSCOPE_CLIENT_KEY`); both or
    /// neither.
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
    #[serde(deserialize_with = "durations::secs")]
    pub connect_timeout_secs: Duration,
    #[serde(deserialize_with = "durations::positive_secs")]
    pub request_timeout_secs: Duration,
    pub max_retries: u32,
    #[serde(deserialize_with = "durations::secs")]
    pub cache_ttl_secs: Duration,
    #[serde(deserialize_with = "durations::secs")]
    pub profile_type_cache_ttl_secs: Duration,
    pub max_nodes: NonZeroU32,
    pub max_nodes_limit: u32,
    pub truncation_threshold_percent: f64,
    pub profile_types: BTreeMap<String, Vec<String>>,
    pub legacy_suffixes: BTreeMap<String, String>,
    /// Calls to Pyroscope at once in this process, people's reads first (docs/at-scale.md).
    pub max_in_flight: NonZeroU32,
    /// The longest window one call asks for: Pyroscope's `max_query_length`; longer windows
    /// are read in pieces and merged.
    pub max_query_hours: NonZeroU32,
    /// How far back Pyroscope answers: its `max_query_lookback`; 0 is no limit.
    pub max_lookback_days: u32,
    /// The longest `Retry-After` believed: a larger one pauses this long (SPEC §34).
    #[serde(deserialize_with = "durations::positive_secs")]
    pub max_retry_after_secs: Duration,
}
