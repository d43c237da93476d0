//! How Profile Data starts: from Pyroscope (`pyroscope.url`), from pprof files
//! (`profiles.dir`), or, with neither, from pushed profiles beside the bundled demo
//! (docs/agents.md#profiles-from-files).

use std::path::Path;
use std::sync::Arc;

use super::files::check::ProfileFilesCheck;
use super::files::listed::Replay;
use super::files::source::Root;
use super::pyroscope::check::PyroscopeCheck;
use super::settings::{ProfilesSettings, PyroscopeSettings};
use super::{FileProfileData, ProfileDataSor, ProfileDir, PyroscopeProfileData};
use pf_infra::probe::HealthCheck;
use pf_infra::tasks::StartError;
use pf_infra::telemetry::Metrics;

/// The sections Profile Data reads, and where pushes are kept when no source is set.
pub struct SourceSettings<'a> {
    pub pyroscope: &'a PyroscopeSettings,
    pub profiles: &'a ProfilesSettings,
    pub push_dir: &'a Path,
}

/// A started Profile Data: the SOR, its `/health` check, and the files pushes are kept among
/// (or, reading Pyroscope, its URL without credentials: pushes go there).
pub struct ProfileSource {
    pub sor: Arc<dyn ProfileDataSor>,
    pub check: Arc<dyn HealthCheck>,
    pub files: Result<Arc<ProfileDir>, String>,
}

/// The Profile Data of the configured source.
///
/// # Errors
/// When both sources are set, or Pyroscope's client cannot be built from its settings.
pub fn start(
    settings: SourceSettings<'_>,
    metrics: &Arc<Metrics>,
) -> Result<ProfileSource, StartError> {
    let SourceSettings {
        pyroscope,
        profiles,
        push_dir,
    } = settings;
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
        (Some(url), None) => {
            let sor = PyroscopeProfileData::new(pyroscope, profiles.limits(), metrics.clone())
                .map_err(|e| StartError {
                    key: e.key,
                    reason: e.reason,
                })?;
            Ok(ProfileSource {
                check: Arc::new(PyroscopeCheck(sor.client())),
                sor: Arc::new(sor),
                files: Err(without_credentials(url)),
            })
        }
        (None, Some(dir)) => {
            tracing::info!(dir = %dir.display(), "reading profiles from pprof files");
            let roots = vec![root(dir, None, false)];
            Ok(files(profiles, roots, "files", metrics))
        }
        (None, None) => {
            let dir = profiles.demo_dir();
            tracing::warn!(
                dir = %dir.display(),
                store = %push_dir.display(),
                "neither PYROSCOPE_URL nor PROFILES_DIR is set: answering from pushed profiles \
                 and the bundled demo profiles"
            );
            let replay = demo_replay(chrono::Utc::now().timestamp());
            let roots = vec![root(push_dir, None, true), root(&dir, Some(replay), false)];
            Ok(files(profiles, roots, "demo", metrics))
        }
    }
}

/// The day the bundled demo's five-minute profiles were recorded on (2026-01-02, UTC; made by
/// `scripts/demo-profiles.sh`), as epoch seconds `[from, to)`.
const DEMO_DAY: (i64, i64) = (1_767_312_000, 1_767_398_400);

/// The demo's recorded day replays as the day that ended at the last whole five minutes
/// before `now`, so the profile watcher finds a day of history on a first start.
fn demo_replay(now: i64) -> Replay {
    let (from, to) = DEMO_DAY;
    let end = now - now.rem_euclid(300);
    Replay {
        from,
        to,
        shift: end - to,
    }
}

fn root(path: &Path, replay: Option<Replay>, optional: bool) -> Root {
    Root {
        path: path.to_path_buf(),
        replay,
        optional,
    }
}

/// The files of `roots`, pushes kept in the first.
fn files(
    settings: &ProfilesSettings,
    roots: Vec<Root>,
    source: &'static str,
    metrics: &Arc<Metrics>,
) -> ProfileSource {
    let sor = FileProfileData::new(settings, roots, metrics.clone());
    ProfileSource {
        check: Arc::new(ProfileFilesCheck {
            dir: sor.dir(),
            source,
        }),
        files: Ok(sor.dir()),
        sor: Arc::new(sor),
    }
}

/// `url` as it may be shown: no user name or password.
fn without_credentials(url: &url::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}
