//! Settings of pprof files as the profile source.

use std::collections::BTreeMap;
use std::num::{NonZeroU64, NonZeroUsize};
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::durations;

use crate::profile::ProfileType;

/// pprof files as the profile source (SPEC §2, "Profiles from pprof files").
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
    /// Logical type → pprof sample types (`type/unit`), first match wins.
    pub sample_types: BTreeMap<String, Vec<String>>,
    /// Logical type → the series name that starts the reported profile-type ID.
    pub series_names: BTreeMap<String, String>,
}

impl ProfilesSettings {
    /// The key and the reason of the first invalid value.
    pub(super) fn validate(&self) -> Result<(), (&'static str, &'static str)> {
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
