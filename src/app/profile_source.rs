//! Which source the hosted Profile Data SOR reads (docs/agents.md#profiles-from-files): Pyroscope
//! when `PYROSCOPE_URL` is set (pushes are then refused), the files of `PROFILES_DIR` when that is
//! (pushes kept there), the push store `ingest.store_dir` with the bundled demo profiles beside
//! it when neither is, and a start-up error when both are.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::StartupError;
use crate::app::settings::{Function, Settings};
use crate::commits::RepositorySettings;
use crate::infra::probe::HealthCheck;
use crate::infra::telemetry::Metrics;
use crate::ingest::store::{ProfileStore, StoreBounds};
use crate::model::ProfileType;
use crate::profiles::files::check::ProfileFilesCheck;
use crate::profiles::files::listed::Replay;
use crate::profiles::files::source::Root;
use crate::profiles::pyroscope::check::PyroscopeCheck;
use crate::profiles::{FileProfileData, ProfileDataSor, PyroscopeProfileData};

/// A hosted Profile Data SOR, its `/health` check, and where pushes are kept (or, reading
/// Pyroscope, its URL: pushes go there).
pub struct HostedProfileData {
    pub sor: Arc<dyn ProfileDataSor>,
    pub check: Arc<dyn HealthCheck>,
    pub store: Result<Arc<ProfileStore>, String>,
}

/// The Profile Data SOR of the configured source, with its `/health` check.
pub fn profile_data_sor(
    settings: &Settings,
    metrics: &Arc<Metrics>,
) -> Result<HostedProfileData, StartupError> {
    match (&settings.pyroscope.url, &settings.profiles.dir) {
        (Some(url), Some(dir)) => Err(StartupError::Config {
            key: "profiles.dir",
            reason: format!(
                "(PROFILES_DIR = {}) and `pyroscope.url` (PYROSCOPE_URL = {url}) are both set: \
                 choose one profile source",
                dir.display()
            ),
        }),
        (Some(url), None) => {
            let limits = settings.profiles.limits();
            let sor = PyroscopeProfileData::new(&settings.pyroscope, limits, metrics.clone())
                .map_err(|e| StartupError::Config {
                    key: e.key,
                    reason: e.reason,
                })?;
            let check = Arc::new(PyroscopeCheck(sor.client()));
            Ok(HostedProfileData {
                sor: Arc::new(sor),
                check,
                store: Err(without_credentials(url)),
            })
        }
        (None, Some(dir)) => {
            tracing::info!(dir = %dir.display(), "reading profiles from pprof files");
            files(
                settings,
                vec![root(dir.clone(), None, false)],
                "files",
                metrics,
            )
        }
        (None, None) => {
            let dir = demo_dir(&settings.profiles.demo_dir);
            let store = &settings.ingest.store_dir;
            tracing::warn!(
                dir = %dir.display(),
                store = %store.display(),
                "neither PYROSCOPE_URL nor PROFILES_DIR is set: answering from pushed profiles \
                 and the bundled demo profiles"
            );
            let replay = demo_replay(chrono::Utc::now().timestamp());
            let roots = vec![
                root(store.clone(), None, true),
                root(dir, Some(replay), false),
            ];
            files(settings, roots, "demo", metrics)
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

fn root(path: PathBuf, replay: Option<Replay>, optional: bool) -> Root {
    Root {
        path,
        replay,
        optional,
    }
}

/// The files of `roots`, pushes kept in the first.
fn files(
    settings: &Settings,
    roots: Vec<Root>,
    source: &'static str,
    metrics: &Arc<Metrics>,
) -> Result<HostedProfileData, StartupError> {
    let sor = FileProfileData::new(&settings.profiles, roots, metrics.clone());
    let check = Arc::new(ProfileFilesCheck {
        dir: sor.dir(),
        source,
    });
    let ingest = &settings.ingest;
    let bounds = StoreBounds {
        max_in_flight: ingest.max_in_flight.get(),
        retention_secs: i64::from(ingest.retention_days.get()) * 86_400,
        max_bytes: ingest.max_store_bytes.get(),
        slice_secs: settings.watch.slice_secs,
    };
    // In-use snapshots are averaged, not added, when the store compacts them (docs/runtimes.md).
    let inuse = settings
        .profiles
        .sample_types
        .get(ProfileType::Inuse.as_str());
    let snapshot_types = inuse.cloned().unwrap_or_default();
    let store = ProfileStore::new(sor.dir(), sor.limits(), bounds, snapshot_types)
        .map_err(StartupError::PushThreads)?;
    Ok(HostedProfileData {
        sor: Arc::new(sor),
        check,
        store: Ok(Arc::new(store)),
    })
}

/// The repositories the commits behind a regression are read from
/// (docs/regressions.md#the-change-that-caused-it): `configured` and, when the bundled demo
/// profiles are served (neither `pyroscope.url` nor `profiles.dir` set, and this process reads
/// them), the demo's `ledger` repository beside them (`<demo_dir>/../repository/ledger.git`, looked
/// up as the demo directory is), so a first run names the commit behind ledger's regression. A
/// `ledger` the operator configured is kept; a demo without the repository adds nothing.
pub fn demo_repositories(
    settings: &Settings,
    configured: &RepositorySettings,
) -> RepositorySettings {
    // The demo's app whose commits it names, and its repository's place beside the demo
    // profiles' directory (made by scripts/demo-repository.sh, which demo-profiles.sh runs).
    let (app, place) = ("ledger", "repository/ledger.git");
    let mut repositories = configured.clone();
    if !serves_demo(settings) || repositories.dirs.contains_key(app) {
        return repositories;
    }
    let demo = demo_dir(&settings.profiles.demo_dir);
    let repository = match demo.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.join(place),
        _ => demo.join("..").join(place),
    };
    if repository.is_dir() {
        repositories.dirs.insert(app.to_owned(), repository);
    }
    repositories
}

/// The memory limit leaks are measured against (docs/regressions.md#memory-that-only-grows):
/// `leaks.memory_limit_bytes`, or, when this process reads the bundled demo profiles, the 1 GiB the
/// demo's `cart` runs with, so a first run says when cart's leak reaches it.
pub fn demo_memory_limit(settings: &Settings) -> Option<u64> {
    const DEMO_LIMIT: u64 = 1 << 30;
    let demo = serves_demo(settings).then_some(DEMO_LIMIT);
    settings.leaks.memory_limit_bytes.or(demo)
}

/// Whether this process reads the bundled demo profiles itself: neither `pyroscope.url` nor
/// `profiles.dir` set (one that reaches Profile Data over PROFILE_DATA_URL answers from
/// whatever that process reads).
fn serves_demo(settings: &Settings) -> bool {
    settings.function.hosts(Function::ProfileDataSor)
        && settings.pyroscope.url.is_none()
        && settings.profiles.dir.is_none()
}

/// A relative demo directory is looked up in the working directory, then in the source
/// checkout the binary was built from (so `cargo run` works from anywhere in it).
fn demo_dir(configured: &Path) -> PathBuf {
    if configured.is_absolute() || configured.is_dir() {
        return configured.to_path_buf();
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join(configured);
    if built.is_dir() {
        built
    } else {
        configured.to_path_buf()
    }
}

/// `url` as it may be shown: no user name or password.
fn without_credentials(url: &url::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

#[cfg(test)]
#[path = "profile_source_tests.rs"]
mod tests;
