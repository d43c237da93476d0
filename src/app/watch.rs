//! The profile watcher of a process that runs it (`all`, or `WatchPyroscopeProfiles.v1`): its
//! store in the process's database, its `/trends` routes and its background task.

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;

use super::bors::Bors;
use super::ground::Ground;
use super::regressions::regression_detector;
use super::remote_sors::{baseline_spec, profile_data_spec, RemoteSors};
use super::StartupError;
use crate::infra::sor::coalescing::Coalescing;
use crate::infra::tasks::Tasks;
use crate::regressions::RegressionMarks;
use crate::watch::fault::InjectedPanic;
use crate::watch::metrics::WatchMetrics;
use crate::watch::settings::WatchSettings;
use crate::watch::status::WatchStatus;
use crate::watch::summarizer::{Summarizer, SummaryShape};
use crate::watch::task::WatchTask;
use crate::watch::trends::{trend_weight, TREND_CACHE_UNITS, TREND_TTL};
use crate::watch::worker::Worker;
use crate::watch::TrendService;

/// How long the watcher may take to finish its slices once asked to stop.
const STOP_WITHIN: Duration = Duration::from_secs(5);

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
    let watch = &settings.watch;
    let slices = watch.slices();
    let watch_metrics = WatchMetrics::new(metrics, watch.export_functions as usize)
        .map(Arc::new)
        .map_err(|e| StartupError::Config {
            key: "watch",
            reason: format!("cannot register the watcher's metrics: {e}"),
        })?;
    let summarizer = Arc::new(Summarizer::new(
        profiles.clone(),
        SummaryShape {
            version_label: watch.version_label.clone(),
            top_functions: watch.top_functions.get() as usize,
            slices,
        },
        metrics.clone(),
    ));
    let types = watch.profile_types();
    let retention_days = i64::try_from(watch.retention_days.get()).unwrap_or(i64::MAX);
    let status = Arc::new(WatchStatus::default());
    let (examiner, regressions) =
        regression_detector(ground, (&stores, &profiles), &mut remote, tasks)?;
    let task = WatchTask {
        work: stores.work.clone(),
        summaries: stores.summaries.clone(),
        worker: Arc::new(Worker {
            work: stores.work,
            summarizer: summarizer.clone(),
            examiner,
            metrics: watch_metrics.clone(),
            lease: watch.lease_secs,
        }),
        summarizer,
        holder: holder_name(),
        slices,
        types: types.clone(),
        concurrency: watch.concurrency.get(),
        backfill_hours: i64::try_from(watch.backfill_hours).unwrap_or(0),
        retention_days,
        metrics: watch_metrics,
        status: status.clone(),
        fault: injected_panic(watch),
    };
    bors.trends = Some(web::Data::new(TrendService {
        cache: Coalescing::new(
            "trends",
            TREND_TTL,
            TREND_CACHE_UNITS,
            trend_weight,
            metrics.clone(),
        ),
        marks: Some(Arc::new(RegressionMarks(stores.regressions.clone()))),
        summaries: stores.summaries,
        trends: stores.reads,
        profiles: profiles.clone(),
        baselines,
        slices,
        types,
        retention_days,
    }));
    bors.regressions = Some(web::Data::new(regressions));
    bors.checks.extend(remote.checks);
    bors.watched_profiles = Some(profiles);
    if watch.enabled {
        tasks.spawn_restarting(status, STOP_WITHIN, move |shutdown| {
            task.clone().run(shutdown)
        });
    } else {
        tracing::info!(
            "watch.enabled is false: /trends answers from the store, another replica summarizes"
        );
    }
    Ok(())
}

/// This replica's name in the leases: host and process, for people reading `watch_series`.
fn holder_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "replica".to_owned());
    format!("{host}:{}", std::process::id())
}

/// The watcher round that panics in a test build (`watch.panic_at_round`).
#[cfg(feature = "fault-injection")]
fn injected_panic(watch: &WatchSettings) -> InjectedPanic {
    InjectedPanic::at_round(watch.panic_at_round)
}

/// No injected fault: a build without `fault-injection`.
#[cfg(not(feature = "fault-injection"))]
fn injected_panic(_: &WatchSettings) -> InjectedPanic {
    InjectedPanic::default()
}
