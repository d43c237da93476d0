//! The regression detector of a process that runs the profile watcher (docs/regressions.md): the
//! examiner its workers call after each summary, the announcer that tells Alertmanager (when
//! one is set), and what `/regressions` answers from (its pages compare before and after as
//! the diff report does, from the same Profile Data).

use std::sync::Arc;
use std::time::Duration;

use super::ground::Ground;
use super::profile_source::{demo_memory_limit, demo_repositories};
use super::remote_sors::{registry_spec, RemoteSors};
use super::watcher_stores::WatcherStores;
use super::StartupError;
use crate::commits::CommitNamer;
use crate::detection::leaks::LeakSettings;
use crate::detection::model::DetectorSettings;
use crate::diff_report::compute::Judgement;
use crate::diff_report::DiffReportService;
use crate::infra::leader::PgLeadership;
use crate::infra::tasks::Tasks;
use crate::profiles::ProfileDataSor;
use crate::regressions::announcer::{Announcer, AnnouncerStatus};
use crate::regressions::commits::RegressionCommits;
use crate::regressions::examiner::Examiner;
use crate::regressions::metrics::RegressionMetrics;
use crate::regressions::notice::RegressionNotices;
use crate::regressions::service::RegressionService;

/// How long the announcer may take to finish once asked to stop.
const STOP_WITHIN: Duration = Duration::from_secs(2);

/// The examiner for the watcher's workers; starts the announcer under `tasks` when this
/// process delivers to Alertmanager. The registry (team, tier, `notificationChannel`) is
/// reached by the rule of docs/split-deployment.md#the-dependency-rule and is optional.
pub(super) fn regression_detector(
    ground: Ground<'_>,
    (stores, profiles): (&WatcherStores, &Arc<dyn ProfileDataSor>),
    remote: &mut RemoteSors<'_>,
    tasks: &mut Tasks,
) -> Result<(Arc<Examiner>, RegressionService), StartupError> {
    let Ground {
        settings,
        hosted,
        database,
        delivery,
        metrics,
        ..
    } = ground;
    let registry = remote.resolve(registry_spec(), hosted.registry.as_ref())?;
    let watch = &settings.watch;
    let notices = Arc::new(RegressionNotices {
        public_url: settings.alerts.public_url.clone(),
        slices: watch.slices(),
        warn_points: settings.diff.warn_regression_points,
    });
    let queue = delivery.and_then(|d| d.alertmanager.clone());
    if let (Some(queue), Some(db), true) = (queue, database, watch.enabled) {
        let announcer = Announcer {
            regressions: stores.regressions.clone(),
            leadership: Arc::new(PgLeadership::announcer(db.clone())),
            queue,
            registry: registry.clone(),
            notices: notices.clone(),
            resend: watch.slice_secs.duration(),
            status: Arc::new(AnnouncerStatus::default()),
        };
        tasks.spawn_restarting(announcer.status.clone(), STOP_WITHIN, move |shutdown| {
            announcer.clone().run(shutdown)
        });
    }
    let detector = DetectorSettings::of(watch);
    let reference = i64::try_from(detector.reference_slices).unwrap_or(i64::MAX);
    let namer = Arc::new(RegressionCommits {
        summaries: stores.summaries.clone(),
        namer: Arc::new(CommitNamer {
            profiles: profiles.clone(),
            repositories: demo_repositories(settings, &settings.repositories),
        }),
        reference_secs: reference.saturating_mul(detector.slices.slice_secs.secs()),
    });
    let judgement = Judgement {
        warn_regression_points: settings.diff.warn_regression_points,
        fdr: settings.diff.fdr,
    };
    let service = RegressionService {
        regressions: stores.regressions.clone(),
        trends: stores.reads.clone(),
        diff: Arc::new(DiffReportService::new(
            profiles.clone(),
            None,
            None,
            judgement,
        )),
        settings: detector.clone(),
        namer: namer.clone(),
    };
    let metrics =
        RegressionMetrics::new(metrics)
            .map(Arc::new)
            .map_err(|e| StartupError::Config {
                key: "watch",
                reason: format!("the regressions' metrics cannot be registered: {e}"),
            })?;
    let examiner = Arc::new(Examiner {
        summaries: stores.summaries.clone(),
        regressions: stores.regressions.clone(),
        registry,
        settings: detector,
        notify_cost_shifts: watch.notify_cost_shifts,
        notices,
        metrics,
        namer,
        leaks: LeakSettings::of(watch, &settings.leaks),
        memory_limit_bytes: demo_memory_limit(settings),
    });
    Ok((examiner, service))
}
