//! The regression events' one way to start (docs/regressions.md): given their settings, what
//! they need of other capabilities and the task supervisor, they build the examiner the
//! watcher's workers call after each summary, start the announcer that tells Alertmanager
//! (when this process delivers there and summarizes), and hand back what `/regressions`
//! answers from (its pages compare before and after as the diff report does).

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::announcer::{Announcer, AnnouncerStatus};
use crate::commits::RegressionCommits;
use crate::examiner::Examiner;
use crate::metrics::RegressionMetrics;
use crate::notice::RegressionNotices;
use crate::service::RegressionService;
use crate::settings::LeaksConfig;
use crate::settings::{detector_settings, leak_settings};
use crate::RegressionSor;
use pf_commits::{CommitNamer, RepositorySettings};
use pf_delivery::AlertmanagerQueue;
use pf_diff_report::{DiffReportService, Judgement};
use pf_infra::db::Database;
use pf_infra::leader::PgLeadership;
use pf_infra::tasks::{StartError, Tasks};
use pf_infra::telemetry::Metrics;
use pf_profiles::ProfileDataSor;
use pf_registry::RegistrySor;
use pf_watch::{SummarySor, WatchSettings, WatcherReads};

/// How long the announcer may take to finish once asked to stop.
const STOP_WITHIN: Duration = Duration::from_secs(2);

/// The settings the events are decided, named and told by.
pub struct RegressionSettings<'a> {
    /// The watcher's: its slices, and the detector's windows and thresholds.
    pub watch: &'a WatchSettings,
    pub leaks: &'a LeaksConfig,
    /// Where the links of a notice point (`alerts.public_url`).
    pub public_url: Url,
    /// How a regression's page judges before and after, as the diff report does.
    pub judgement: Judgement,
    /// The repositories commits are named from.
    pub repositories: RepositorySettings,
    /// The memory limit of an app whose registry entry names none.
    pub memory_limit_bytes: Option<u64>,
}

/// What the events need of the process.
pub struct RegressionNeeds {
    /// The watcher's summaries and trends, and the events' own store.
    pub summaries: Arc<dyn SummarySor>,
    pub reads: Arc<dyn WatcherReads>,
    pub regressions: Arc<dyn RegressionSor>,
    /// The profiles a regression's page compares and its commits are named from.
    pub profiles: Arc<dyn ProfileDataSor>,
    /// Teams, tiers and channels, when the process reaches a registry.
    pub registry: Option<Arc<dyn RegistrySor>>,
    /// Alertmanager's queue and the database the announcer's lease is on, when this process
    /// announces.
    pub announce: Option<(Arc<AlertmanagerQueue>, Database)>,
    pub metrics: Arc<Metrics>,
}

/// Started regression events: the examiner for the watcher, the service of `/regressions`.
pub struct Regressions {
    pub examiner: Arc<Examiner>,
    pub service: RegressionService,
}

/// Builds the examiner and the service, and starts the announcer under `tasks` when `needs`
/// can announce.
///
/// # Errors
/// The regressions' metrics cannot be registered.
pub fn start(
    settings: RegressionSettings<'_>,
    needs: RegressionNeeds,
    tasks: &mut Tasks,
) -> Result<Regressions, StartError> {
    let watch = settings.watch;
    let notices = Arc::new(RegressionNotices {
        public_url: settings.public_url,
        slices: watch.slices(),
        warn_points: settings.judgement.warn_regression_points,
    });
    if let Some((queue, db)) = needs.announce {
        let announcer = Announcer {
            regressions: needs.regressions.clone(),
            leadership: Arc::new(PgLeadership::announcer(db)),
            queue,
            registry: needs.registry.clone(),
            notices: notices.clone(),
            resend: watch.slice_secs.duration(),
            status: Arc::new(AnnouncerStatus::default()),
        };
        tasks.spawn_restarting(announcer.status.clone(), STOP_WITHIN, move |shutdown| {
            announcer.clone().run(shutdown)
        });
    }
    let detector = detector_settings(watch);
    let reference = i64::try_from(detector.before_slices()).unwrap_or(i64::MAX);
    let namer = Arc::new(RegressionCommits {
        summaries: needs.summaries.clone(),
        namer: Arc::new(CommitNamer {
            profiles: needs.profiles.clone(),
            repositories: settings.repositories,
        }),
        reference_secs: reference.saturating_mul(detector.slices.slice_secs.secs()),
    });
    let service = RegressionService {
        regressions: needs.regressions.clone(),
        trends: needs.reads,
        diff: Arc::new(DiffReportService::new(
            needs.profiles,
            None,
            None,
            settings.judgement,
        )),
        settings: detector.clone(),
        namer: namer.clone(),
    };
    let metrics = RegressionMetrics::new(&needs.metrics)
        .map(Arc::new)
        .map_err(|e| StartError {
            key: "watch",
            reason: format!("the regressions' metrics cannot be registered: {e}"),
        })?;
    let examiner = Arc::new(Examiner {
        summaries: needs.summaries,
        regressions: needs.regressions,
        registry: needs.registry,
        settings: detector,
        notify_cost_shifts: watch.notify_cost_shifts,
        notices,
        metrics,
        namer,
        leaks: leak_settings(watch, settings.leaks),
        memory_limit_bytes: settings.memory_limit_bytes,
    });
    Ok(Regressions { examiner, service })
}
