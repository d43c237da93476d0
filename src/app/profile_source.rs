//! Which source answers Profile Data: Pyroscope (`pyroscope.url`), or pprof files (`profiles.dir`,
//! or, with neither, pushed profiles beside the bundled demo), and where pushes are kept.

use std::path::Path;
use std::sync::Arc;

use crate::settings::Settings;
use pf_infra::tasks::StartError;
use pf_infra::telemetry::Metrics;
use pf_profile_files::start::SourceSettings;
use pf_profile_files::ProfileDir;
use pf_profiles::{without_credentials, ProfileSource, SourceParts};

/// A started Profile Data: its SOR and `/health` check, and the files pushes are kept among
/// (or, reading Pyroscope, its URL without credentials: pushes go there).
pub(super) struct StartedSource {
    pub(super) parts: SourceParts,
    pub(super) files: Result<Arc<ProfileDir>, String>,
}

/// The Profile Data of the configured source ([`Settings::profile_source`]).
///
/// # Errors
/// When both sources are set, or Pyroscope's client cannot be built from its settings.
pub(super) fn start_profile_source(
    settings: &Settings,
    metrics: &Arc<Metrics>,
) -> Result<StartedSource, StartError> {
    let files = |dir: Option<&Path>| {
        let sections = SourceSettings {
            profiles: &settings.profiles,
            dir,
            push_dir: &settings.ingest.store_dir,
        };
        let (parts, dir) = pf_profile_files::start::start(sections, metrics);
        StartedSource {
            parts,
            files: Ok(dir),
        }
    };
    Ok(match settings.profile_source()? {
        ProfileSource::Pyroscope(url) => StartedSource {
            parts: pf_pyroscope::start(&settings.pyroscope, &settings.profiles, metrics)?,
            files: Err(without_credentials(&url)),
        },
        ProfileSource::Files(dir) => files(Some(&dir)),
        ProfileSource::PushesAndDemo => files(None),
    })
}
