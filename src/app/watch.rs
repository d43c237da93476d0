//! The profile watcher of a process that runs it (`all`, or `WatchPyroscopeProfiles.v1`) and the
//! regression events it examines: Profile Data required, Baseline and the registry optional
//! (docs/split-deployment.md#the-dependency-rule); the announcer when this process delivers to
//! Alertmanager and has a database. Then `regressions::start` and `watch::start`.

use std::sync::Arc;

use actix_web::web;

use super::bors::Bors;
use super::ground::Ground;
use super::remote_sors::{BASELINE_SPEC, PROFILE_DATA_SPEC, REGISTRY_SPEC};
use super::StartupError;
use pf_infra::tasks::Tasks;
use pf_regressions::start::{self as regressions, RegressionNeeds, RegressionSettings};
use pf_regressions::RegressionMarks;
use pf_watch::start::{self as watch, WatchNeeds};

/// Gives `bors` `/trends` and `/regressions` when this process runs the watcher and has a
/// database, and starts their tasks under `tasks` (none while `watch.enabled` is off).
pub(super) fn start_watch(
    ground: Ground<'_>,
    bors: &mut Bors,
    tasks: &mut Tasks,
) -> Result<(), StartupError> {
    let (settings, hosted) = (ground.settings, ground.hosted);
    let Some(stores) = hosted.watcher.clone() else {
        return Ok(());
    };
    let mut remote = ground.remote_sors();
    let profiles = remote.require(
        PROFILE_DATA_SPEC,
        hosted.profile_data.as_ref(),
        "the profile watcher",
    )?;
    let queue = ground.delivery.and_then(|d| d.alertmanager.clone());
    let announce = match (queue, ground.database) {
        (Some(queue), Some(db)) if settings.watch.enabled => Some((queue, db.clone())),
        _ => None,
    };
    let config = RegressionSettings {
        watch: &settings.watch,
        leaks: &settings.leaks,
        public_url: settings.alerts.public_url.clone(),
        judgement: settings.diff.judgement(),
        repositories: settings.repositories_with_demo(),
        memory_limit_bytes: settings.memory_limit_with_demo(),
    };
    let needs = RegressionNeeds {
        summaries: stores.summaries.clone(),
        reads: stores.reads.clone(),
        regressions: stores.regressions.clone(),
        profiles: profiles.clone(),
        registry: remote.resolve(REGISTRY_SPEC, hosted.registry.as_ref())?,
        announce,
        metrics: ground.metrics.clone(),
    };
    let regressions = regressions::start(config, needs, tasks)?;
    let needs = WatchNeeds {
        summaries: stores.summaries,
        work: stores.work,
        reads: stores.reads,
        profiles: profiles.clone(),
        baselines: remote.resolve(BASELINE_SPEC, hosted.baseline.as_ref())?,
        examiner: regressions.examiner,
        marks: Some(Arc::new(RegressionMarks(stores.regressions))),
        metrics: ground.metrics.clone(),
    };
    let watcher = watch::start(&settings.watch, needs, tasks)?;
    bors.trends = Some(web::Data::new(watcher.trends));
    bors.regressions = Some(web::Data::new(regressions.service));
    bors.checks.extend(remote.checks);
    bors.watched_profiles = Some(profiles);
    Ok(())
}
