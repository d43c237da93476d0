//! How Profile Data starts from pprof files: `profiles.dir`, or, with no source set, pushed
//! profiles beside the bundled demo (docs/agents.md#profiles-from-files).

use std::path::Path;
use std::sync::Arc;

use crate::dir::check::ProfileFilesCheck;
use crate::dir::listed::Replay;
use crate::dir::source::Root;
use crate::{FileProfileData, ProfileDir};
use pf_infra::telemetry::Metrics;
use pf_profiles::ProfilesSettings;
use pf_profiles::SourceParts;

/// The section the files source reads, the directory it reads (`ProfileSource::Files`; None for
/// `ProfileSource::PushesAndDemo`), and where pushes are kept when there is none.
pub struct SourceSettings<'a> {
    pub profiles: &'a ProfilesSettings,
    pub dir: Option<&'a Path>,
    pub push_dir: &'a Path,
}

/// The Profile Data of pprof files (`profiles.dir`, or the push store and the bundled demo),
/// and the files pushes are kept among.
pub fn start(
    settings: SourceSettings<'_>,
    metrics: &Arc<Metrics>,
) -> (SourceParts, Arc<ProfileDir>) {
    let SourceSettings {
        profiles,
        dir,
        push_dir,
    } = settings;
    if let Some(dir) = dir {
        tracing::info!(dir = %dir.display(), "reading profiles from pprof files");
        let roots = vec![root(dir, None, false)];
        return files(profiles, roots, "files", metrics);
    }
    let dir = profiles.demo_dir();
    tracing::warn!(
        dir = %dir.display(),
        store = %push_dir.display(),
        "neither PYROSCOPE_URL nor PROFILES_DIR is set: answering from pushed profiles \
         and the bundled demo profiles"
    );
    let replay = demo_replay(chrono::Utc::now().timestamp());
    let roots = vec![root(push_dir, None, true), root(&dir, Some(replay), false)];
    files(profiles, roots, "demo", metrics)
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
) -> (SourceParts, Arc<ProfileDir>) {
    let sor = FileProfileData::new(settings, roots, metrics.clone());
    let dir = sor.dir();
    let parts = SourceParts {
        check: Arc::new(ProfileFilesCheck {
            dir: dir.clone(),
            source,
        }),
        sor: Arc::new(sor),
    };
    (parts, dir)
}
