//! The watcher's one way to start (docs/profiles-over-time.md): given its settings, what it
//! needs of other capabilities and the task supervisor, it builds its summarizer, its task and
//! its `/trends` service, starts the task unless `watch.enabled` is off (another replica
//! summarizes), and hands back what serves its routes.

use std::sync::Arc;
use std::time::Duration;

#[cfg(feature = "fault-injection")]
use crate::fault::InjectedPanic;
use crate::metrics::WatchMetrics;
use crate::settings::WatchSettings;
use crate::status::WatchStatus;
use crate::summarizer::{Summarizer, SummaryShape};
use crate::task::WatchTask;
use crate::trends::{trend_weight, TREND_CACHE_UNITS, TREND_TTL};
use crate::worker::Worker;
use crate::{SliceExaminer, SummarySor, TrendMarks, TrendService, WatchWork, WatcherReads};
use pf_baselines::BaselineSor;
use pf_infra::sor::coalescing::Coalescing;
use pf_infra::tasks::{StartError, Tasks};
use pf_infra::telemetry::Metrics;
use pf_profiles::ProfileDataSor;

/// How long the watcher may take to finish its slices once asked to stop.
const STOP_WITHIN: Duration = Duration::from_secs(5);

/// What the watcher needs of the process: its stores, the profiles it summarizes, and what the
/// other capabilities give it.
pub struct WatchNeeds {
    /// Summaries: what `/trends`' suggestions and the detector read, and backfills.
    pub summaries: Arc<dyn SummarySor>,
    /// The series, their leases, and each slice's work stored.
    pub work: Arc<dyn WatchWork>,
    /// The summaries read as trends.
    pub reads: Arc<dyn WatcherReads>,
    /// The profiles summarized (required: docs/split-deployment.md#the-dependency-rule).
    pub profiles: Arc<dyn ProfileDataSor>,
    /// Where a trend's `currentThreshold` comes from, when the process has one.
    pub baselines: Option<Arc<dyn BaselineSor>>,
    /// What each worked slice is handed to (the regression examiner).
    pub examiner: Arc<dyn SliceExaminer>,
    /// What a trend page marks (the regression events).
    pub marks: Option<Arc<dyn TrendMarks>>,
    pub metrics: Arc<Metrics>,
}

/// A started watcher: the service of its `/trends` routes.
pub struct Watcher {
    pub trends: TrendService,
}

/// Starts the watcher under `tasks` (unless `settings.enabled` is off) and answers its routes'
/// service.
///
/// # Errors
/// Its metrics cannot be registered.
pub fn start(
    settings: &WatchSettings,
    needs: WatchNeeds,
    tasks: &mut Tasks,
) -> Result<Watcher, StartError> {
    let slices = settings.slices();
    let metrics = WatchMetrics::new(&needs.metrics, settings.export_functions as usize)
        .map(Arc::new)
        .map_err(|e| StartError {
            key: "watch",
            reason: format!("cannot register the watcher's metrics: {e}"),
        })?;
    let summarizer = Arc::new(Summarizer::new(
        needs.profiles.clone(),
        SummaryShape {
            version_label: settings.version_label.clone(),
            top_functions: settings.top_functions.get() as usize,
            slices,
        },
        needs.metrics.clone(),
    ));
    let types = settings.profile_types();
    let retention_days = i64::try_from(settings.retention_days.get()).unwrap_or(i64::MAX);
    let status = Arc::new(WatchStatus::default());
    let task = WatchTask {
        work: needs.work.clone(),
        summaries: needs.summaries.clone(),
        worker: Arc::new(Worker {
            work: needs.work,
            summarizer: summarizer.clone(),
            examiner: needs.examiner,
            metrics: metrics.clone(),
            lease: settings.lease_secs,
        }),
        summarizer,
        holder: holder_name(),
        slices,
        types: types.clone(),
        concurrency: settings.concurrency.get(),
        backfill_hours: i64::try_from(settings.backfill_hours).unwrap_or(0),
        retention_days,
        metrics,
        status: status.clone(),
        #[cfg(feature = "fault-injection")]
        fault: injected_panic(settings),
    };
    let trends = TrendService {
        cache: Coalescing::new(
            "trends",
            TREND_TTL,
            TREND_CACHE_UNITS,
            trend_weight,
            needs.metrics.clone(),
        ),
        marks: needs.marks,
        summaries: needs.summaries,
        trends: needs.reads,
        profiles: needs.profiles,
        baselines: needs.baselines,
        slices,
        types,
        retention_days,
    };
    if settings.enabled {
        tasks.spawn_restarting(status, STOP_WITHIN, move |shutdown| {
            task.clone().run(shutdown)
        });
    } else {
        tracing::info!(
            "watch.enabled is false: /trends answers from the store, another replica summarizes"
        );
    }
    Ok(Watcher { trends })
}

/// This replica's name in the leases: host and process, for people reading `watch_series`.
fn holder_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "replica".to_owned());
    format!("{host}:{}", std::process::id())
}

/// The watcher round that panics in a test build (`watch.panic_at_round`).
#[cfg(feature = "fault-injection")]
fn injected_panic(settings: &WatchSettings) -> InjectedPanic {
    InjectedPanic::at_round(settings.panic_at_round)
}
