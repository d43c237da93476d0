//! The profile watcher of a process that runs it (`all`, or `WatchPyroscopeProfiles.v1`) and the
//! regression events it examines: Profile Data required, Baseline and the registry optional
//! (docs/split-deployment.md#the-dependency-rule); the announcer when this process delivers to
//! Alertmanager and has a database. Then `regressions::start` and `watch::start`.

use std::sync::Arc;

use actix_web::web;

use super::remote_sors::{RemoteSors, BASELINE_SPEC, PROFILE_DATA_SPEC, REGISTRY_SPEC};
use super::started::Started;
use super::StartupError;
use pf_regressions::start::{self as regressions, RegressionNeeds, RegressionSettings};
use pf_regressions::RegressionMarks;
use pf_watch::start::{self as watch, WatchNeeds};

/// Leaves the `/trends` and `/regressions` services with the BORs when this process runs the
/// watcher and has a database, and starts their tasks under the supervisor (none while
/// `watch.enabled` is off).
pub(super) fn start_watch(m: &mut Started<'_>) -> Result<(), StartupError> {
    let (settings, hosted) = (m.settings, &m.hosted);
    let Some(stores) = hosted.watcher.clone() else {
        return Ok(());
    };
    let mut remote = RemoteSors::new(settings, &m.metrics);
    let profiles = remote.require(
        PROFILE_DATA_SPEC,
        hosted.profile_data.as_ref(),
        "the profile watcher",
    )?;
    let queue = m.delivery.as_ref().and_then(|d| d.alertmanager.clone());
    let announce = match (queue, m.database.as_ref()) {
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
        metrics: m.metrics.clone(),
    };
    let regressions = regressions::start(config, needs, &mut m.tasks)?;
    let needs = WatchNeeds {
        summaries: stores.summaries,
        work: stores.work,
        reads: stores.reads,
        profiles: profiles.clone(),
        baselines: remote.resolve(BASELINE_SPEC, hosted.baseline.as_ref())?,
        examiner: regressions.examiner,
        marks: Some(Arc::new(RegressionMarks(stores.regressions))),
        metrics: m.metrics.clone(),
    };
    let watcher = watch::start(&settings.watch, needs, &mut m.tasks)?;
    m.bors.trends = Some(web::Data::new(watcher.trends));
    m.bors.regressions = Some(web::Data::new(regressions.service));
    m.bors.checks.extend(remote.checks);
    m.bors.watched_profiles = Some(profiles);
    Ok(())
}
