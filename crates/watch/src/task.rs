//! The watcher as one background task under the supervisor: finds new series, starts the
//! start-up backfill of an empty store, leases due series and works them (at most
//! `concurrency` at once), drops old days, and keeps `/health` and `/metrics` current.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::task::JoinSet;

#[cfg(feature = "fault-injection")]
use super::fault::InjectedPanic;
use super::metrics::WatchMetrics;
use super::status::WatchStatus;
use super::summarizer::Summarizer;
use super::worker::Worker;
use crate::store::{Backfill, Series};
use crate::{SummarySor, WatchWork};
use pf_infra::budget::in_background;
use pf_infra::sor::SorError;
use pf_infra::tasks::Shutdown;
use pf_model::{AppName, ProfileType, Slices};

/// Time between two rounds when there is nothing to claim.
const ROUND: Duration = Duration::from_secs(1);
/// Seconds between two refreshes of `/metrics` and `/health` from the store (rounds come as
/// often as workers finish, so the refresh, which reads every series' latest summary, goes
/// by the clock).
const REFRESH_EVERY: i64 = 5;
/// How far before the last refresh's read the next one looks for summaries written.
const WRITTEN_MARGIN_SECS: f64 = 60.0;
/// Seconds between two retention passes.
const RETENTION_EVERY: i64 = 3600;

/// Everything the watcher needs to run on its own.
#[derive(Clone)]
pub struct WatchTask {
    pub work: Arc<dyn WatchWork>,
    pub summaries: Arc<dyn SummarySor>,
    pub worker: Arc<Worker>,
    pub summarizer: Arc<Summarizer>,
    /// Who holds a lease: this replica's name.
    pub holder: String,
    pub slices: Slices,
    pub types: Vec<ProfileType>,
    pub concurrency: usize,
    pub backfill_hours: i64,
    pub retention_days: i64,
    pub metrics: Arc<WatchMetrics>,
    pub status: Arc<WatchStatus>,
    /// A panic the tests inject (`watch.panic_at_round`; only in a build with
    /// `fault-injection`).
    #[cfg(feature = "fault-injection")]
    pub fault: InjectedPanic,
}

/// The workers of one watcher. Dropped while they run, which only a panic of the watcher's own
/// loop does (shutdown waits for them, then aborts what is left), they are detached, not
/// aborted: each finishes the slice it is on, stores and counts it once, and gives its series
/// back, while the supervisor starts the watcher again. Aborted, a worker cut off while its
/// commit was in flight could store a slice it never counted.
struct Held(JoinSet<()>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.detach_all();
    }
}

/// What one replica remembers between rounds.
#[derive(Default)]
struct Progress {
    start_up_backfill_done: bool,
    discovered: Option<i64>,
    retention_at: i64,
    refreshed_at: i64,
    /// The store's clock from which the next refresh reads the summaries written (0: all).
    written_after: f64,
}

impl WatchTask {
    /// Watches until shutdown; a worker busy then finishes its slice or is cut off at the deadline.
    pub async fn run(self, mut shutdown: Shutdown) {
        let mut held = Held(JoinSet::new());
        let workers = &mut held.0;
        let mut progress = Progress::default();
        loop {
            #[cfg(feature = "fault-injection")]
            self.fault.round();
            let now = Utc::now().timestamp();
            match in_background(self.round(now, &mut progress, workers)).await {
                Ok(()) => self.status.succeeded(),
                Err(e) => {
                    tracing::warn!(error = %e, "the profile watcher's round failed");
                    self.status.failed(e.to_string());
                }
            }
            self.status.update(|s| s.held = workers.len());
            tokio::select! {
                _ = shutdown.requested() => break,
                _ = workers.join_next(), if !workers.is_empty() => {}
                () = tokio::time::sleep(ROUND) => {}
            }
        }
        let deadline = shutdown
            .deadline()
            .unwrap_or_else(tokio::time::Instant::now);
        let _ = tokio::time::timeout_at(deadline, async {
            while workers.join_next().await.is_some() {}
        })
        .await;
        workers.abort_all();
    }

    async fn round(
        &self,
        now: i64,
        progress: &mut Progress,
        workers: &mut JoinSet<()>,
    ) -> Result<(), SorError> {
        let due = self.slices.due(now);
        if !progress.start_up_backfill_done {
            self.start_up_backfill(now).await?;
            progress.start_up_backfill_done = true;
        }
        if progress.discovered != Some(due) {
            let apps = self.summarizer.apps(due).await?;
            let series = self.series_of(apps.iter().filter_map(|a| a.parse().ok()));
            self.work.add_series(&series, due).await?;
            progress.discovered = Some(due);
        }
        if now - progress.retention_at >= RETENTION_EVERY {
            let before = now.saturating_sub(self.retention_days.saturating_mul(86_400));
            let dropped = self.work.drop_before(before).await?;
            if !dropped.is_empty() {
                tracing::info!(?dropped, "dropped summaries past retention");
            }
            progress.retention_at = now;
        }
        if now - progress.refreshed_at >= REFRESH_EVERY {
            progress.refreshed_at = now;
            self.refresh(now, due, progress).await?;
        }
        let free = self.concurrency.saturating_sub(workers.len());
        if free == 0 {
            return Ok(());
        }
        let limit = u32::try_from(free).unwrap_or(u32::MAX);
        let leases = self
            .work
            .claim(&self.holder, limit, self.worker.lease, due)
            .await?;
        for lease in leases {
            let worker = self.worker.clone();
            // The watcher's reads wait behind people's in Pyroscope's budget.
            workers.spawn(in_background(async move {
                worker.run(lease, due).await;
            }));
        }
        Ok(())
    }

    fn series_of(&self, apps: impl Iterator<Item = AppName>) -> Vec<Series> {
        apps.flat_map(|app| {
            self.types.iter().map(move |t| Series {
                app: app.clone(),
                profile_type: *t,
            })
        })
        .collect()
    }

    /// An empty store summarizes the last `backfill_hours` (once, whichever replica is first).
    async fn start_up_backfill(&self, now: i64) -> Result<(), SorError> {
        if self.backfill_hours == 0 {
            return Ok(());
        }
        let due = self.slices.due(now);
        let to = due.saturating_add(self.slices.slice_secs.secs());
        let from = self
            .slices
            .first_from(to.saturating_sub(self.backfill_hours.saturating_mul(3600)));
        let window = pf_model::TimeWindow { from, to };
        let apps = self.summarizer.profiles.apps(window).await?;
        let backfill = Backfill {
            from,
            to,
            slice_secs: self.slices.slice_secs,
            apps: apps.iter().filter_map(|a| a.parse().ok()).collect(),
            types: self.types.clone(),
            notify: false,
            live_from: to,
        };
        let queued = self.summaries.queue_backfill(&backfill, true).await?;
        if queued > 0 {
            tracing::info!(queued, from, to, "empty store: backfilling the last hours");
        }
        Ok(())
    }

    /// `/metrics` and `/health` from the store: the latest summaries of series heard from in
    /// the last two slices (read as they are written, whichever replica wrote them), and the
    /// lag of the oldest live cursor.
    async fn refresh(&self, now: i64, due: i64, progress: &mut Progress) -> Result<(), SorError> {
        let since = due.saturating_sub(self.slices.slice_secs.secs());
        let latest = self.summaries.latest(since, progress.written_after).await?;
        self.metrics.show(&latest.summaries, since);
        // A row's `created_at` is its transaction's start: one still open at this read shows
        // up in the next if it began less than this long before.
        progress.written_after = latest.read_at - WRITTEN_MARGIN_SECS;
        let lag = match self.work.oldest_cursor().await? {
            Some(oldest) => (now - oldest.saturating_add(self.slices.slice_secs.secs())).max(0),
            None => 0,
        };
        self.metrics.lag.set(lag as f64);
        self.worker.examiner.refresh().await?;
        self.status.update(|s| s.lag_secs = lag);
        Ok(())
    }
}
