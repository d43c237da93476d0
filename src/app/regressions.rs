//! The regression events of a process that runs the profile watcher (docs/regressions.md): what
//! they need resolved (the registry by the rule of docs/split-deployment.md#the-dependency-rule,
//! optional; Alertmanager's queue and the database when this process announces), then
//! `regressions::start`.

use std::sync::Arc;

use super::ground::Ground;
use super::profile_source::{demo_memory_limit, demo_repositories};
use super::remote_sors::{registry_spec, RemoteSors};
use super::watcher_stores::WatcherStores;
use super::StartupError;
use crate::diff_report::Judgement;
use crate::infra::tasks::Tasks;
use crate::profiles::ProfileDataSor;
use crate::regressions::start::Regressions;
use crate::regressions::start::{self as regressions, RegressionNeeds, RegressionSettings};

/// The examiner for the watcher's workers and the service of `/regressions`; the announcer
/// starts under `tasks` when this process delivers to Alertmanager and summarizes.
pub(super) fn regression_detector(
    ground: Ground<'_>,
    (stores, profiles): (&WatcherStores, &Arc<dyn ProfileDataSor>),
    remote: &mut RemoteSors<'_>,
    tasks: &mut Tasks,
) -> Result<Regressions, StartupError> {
    let Ground {
        settings,
        hosted,
        database,
        delivery,
        metrics,
        ..
    } = ground;
    let registry = remote.resolve(registry_spec(), hosted.registry.as_ref())?;
    let queue = delivery.and_then(|d| d.alertmanager.clone());
    let announce = match (queue, database) {
        (Some(queue), Some(db)) if settings.watch.enabled => Some((queue, db.clone())),
        _ => None,
    };
    let config = RegressionSettings {
        watch: &settings.watch,
        leaks: &settings.leaks,
        public_url: settings.alerts.public_url.clone(),
        judgement: Judgement {
            warn_regression_points: settings.diff.warn_regression_points,
            fdr: settings.diff.fdr,
        },
        repositories: demo_repositories(settings, &settings.repositories),
        memory_limit_bytes: demo_memory_limit(settings),
    };
    let needs = RegressionNeeds {
        summaries: stores.summaries.clone(),
        reads: stores.reads.clone(),
        regressions: stores.regressions.clone(),
        profiles: profiles.clone(),
        registry,
        announce,
        metrics: metrics.clone(),
    };
    Ok(regressions::start(config, needs, tasks)?)
}
