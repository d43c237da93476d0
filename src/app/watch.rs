//! The profile watcher of a process that runs it (`all`, or `WatchPyroscopeProfiles.v1`) and the
//! regression events it examines: Profile Data required, Baseline and the registry optional
//! (docs/split-deployment.md#the-dependency-rule); the announcer when this process delivers to
//! Alertmanager and has a database. Then `regressions::start` and `watch::start`.

use std::sync::Arc;

use super::remote_sors::{RemoteSors, BASELINE_SPEC, PROFILE_DATA_SPEC, REGISTRY_SPEC};
use super::started::Started;
use super::StartupError;
use pf_regressions::service::RegressionService;
use pf_regressions::start::{self as regressions, RegressionNeeds, RegressionSettings};
use pf_regressions::RegressionMarks;
use pf_watch::start::{self as watch, WatchNeeds};
use pf_watch::TrendService;

/// Starts the watcher and the regression detector under the supervisor (no tasks while
/// `watch.enabled` is off) and answers their `/trends` and `/regressions` services, when this
/// process runs the watcher and has a database.
pub(super) fn start_watch(
    m: &mut Started<'_>,
) -> Result<Option<(TrendService, RegressionService)>, StartupError> {
    let (settings, hosted) = (m.settings, &m.hosted);
    let Some(stores) = hosted.watcher.clone() else {
        return Ok(None);
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
    m.bors.checks.extend(remote.checks);
    m.watched_profiles = Some(profiles);
    Ok(Some((watcher.trends, regressions.service)))
}
