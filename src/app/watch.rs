//! The profile watcher of a process that runs it (`all`, or `WatchPyroscopeProfiles.v1`): its
//! store in the process's database, its `/trends` routes and its background task.

use std::sync::Arc;

use actix_web::web;

use super::bors::Bors;
use super::ground::Ground;
use super::regressions::regression_detector;
use super::remote_sors::{baseline_spec, profile_data_spec, RemoteSors};
use super::StartupError;
use crate::infra::tasks::Tasks;
use crate::regressions::RegressionMarks;
use crate::watch::start::{self as watch, WatchNeeds};

/// Gives `bors` the `/trends` routes when this process runs the watcher and has a database, and
/// starts its summarizing task under `tasks` unless `watch.enabled` is off. Profile Data is
/// required (docs/split-deployment.md#the-dependency-rule); Baseline is optional.
pub(super) fn start_watch(
    ground: Ground<'_>,
    bors: &mut Bors,
    tasks: &mut Tasks,
) -> Result<(), StartupError> {
    let Ground {
        settings,
        hosted,
        metrics,
        ..
    } = ground;
    let Some(stores) = hosted.watcher.clone() else {
        return Ok(());
    };
    let mut remote = RemoteSors::new(settings, metrics);
    let profiles = remote
        .resolve(profile_data_spec(), hosted.profile_data.as_ref())?
        .ok_or_else(|| StartupError::Config {
            key: "sors",
            reason: "the profile watcher needs profiles: set PROFILE_DATA_URL".into(),
        })?;
    let baselines = remote.resolve(baseline_spec(), hosted.baseline.as_ref())?;
    let regressions = regression_detector(ground, (&stores, &profiles), &mut remote, tasks)?;
    let needs = WatchNeeds {
        summaries: stores.summaries,
        work: stores.work,
        reads: stores.reads,
        profiles: profiles.clone(),
        baselines,
        examiner: regressions.examiner,
        marks: Some(Arc::new(RegressionMarks(stores.regressions.clone()))),
        metrics: metrics.clone(),
    };
    let watcher = watch::start(&settings.watch, needs, tasks)?;
    bors.trends = Some(web::Data::new(watcher.trends));
    bors.regressions = Some(web::Data::new(regressions.service));
    bors.checks.extend(remote.checks);
    bors.watched_profiles = Some(profiles);
    Ok(())
}
