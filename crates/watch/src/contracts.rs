//! The profile watcher's contracts (docs/profiles-over-time.md): its summaries, the trends read
//! from them, and the work replicas share.

use std::sync::Arc;

use async_trait::async_trait;

use crate::coverage::{AppCoverage, CoverageQuery};
use crate::fleet_window::{AppWindow, FleetQuery};
use crate::store::{
    Backfill, BackfillCounts, Latest, Lease, Series, SliceFindings, SliceOutcome, SliceWork,
};
use pf_infra::sor::SorError;
use pf_model::trend::SliceSummary;
use pf_model::trend_view::{TrendQuery, Trends};
use pf_model::{AppName, ProfileType, TimeWindow};

/// An app's trend (docs/profiles-over-time.md, `GET /trends/{appName}`): what the triage page
/// draws, in-process from the watcher's store or over HTTP from the process that runs it
/// (`WATCH_URL`).
///
/// # Errors
/// `Unavailable` when the store (or the watcher's process) is down.
#[async_trait]
pub trait TrendSor: Send + Sync {
    /// `query.app`'s summaries of its type in its window as series of the picked functions.
    async fn trend(&self, query: TrendQuery) -> Result<Trends, SorError>;
}

/// Every app's summaries of a window, merged per app
/// (docs/profiles-over-time.md#the-fleet-from-the-summaries): what the fleet BOR answers
/// from instead of one Pyroscope query per app, in-process from the watcher's store or over HTTP
/// from the process that runs it (`WATCH_URL`).
///
/// # Errors
/// `Unavailable` when the store (or the watcher's process) is down; `Unexpected` for a summary
/// that cannot be read.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait FleetSummarySor: Send + Sync {
    /// The summaries of `query.profile_type` whose slice starts in `query.window`, of every app
    /// (or of `query.apps`), merged per app, sorted by app; read in one query whatever the
    /// number of apps. An app without a summary in the window is absent.
    async fn fleet(&self, query: FleetQuery) -> Result<Vec<AppWindow>, SorError>;

    /// For every series of `query.profile_type` the watcher follows (or those of
    /// `query.apps`), how many slices of `query.slices` it has worked and which it tried and
    /// could not read (docs/profiles-over-time.md#whole-or-live), in one query; an app it
    /// does not follow is absent.
    async fn coverage(&self, query: CoverageQuery) -> Result<Vec<AppCoverage>, SorError>;
}

/// What a BOR reads from the watcher: trends (triage) and the fleet's summaries (fleet
/// search), one client for both.
pub trait WatcherReads: TrendSor + FleetSummarySor {}

impl<T: TrendSor + FleetSummarySor + ?Sized> WatcherReads for T {}

/// The profile watcher's summaries (docs/profiles-over-time.md): what `/trends` reads and backfills
/// queue.
///
/// # Errors
/// `Unavailable` when the store is down.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait SummarySor: Send + Sync {
    /// `app`'s summaries of `profile_type` whose slice starts in `window`, oldest first.
    async fn summaries(
        &self,
        app: AppName,
        profile_type: ProfileType,
        window: TimeWindow,
    ) -> Result<Vec<SliceSummary>, SorError>;
    /// Each series' newest summary whose slice starts at or after `since`, of the summaries
    /// written after `written_after` (epoch seconds by the store's clock; 0: every one).
    async fn latest(&self, since: i64, written_after: f64) -> Result<Latest, SorError>;
    /// Queues the slices of `backfill` not summarized yet; how many were queued. With
    /// `only_if_empty`, queues nothing unless the store has no series at all (the start-up
    /// backfill, which several replicas may try at once).
    async fn queue_backfill(
        &self,
        backfill: &Backfill,
        only_if_empty: bool,
    ) -> Result<u64, SorError>;
    /// Backfill items by state.
    async fn backfill_counts(&self) -> Result<BackfillCounts, SorError>;
}

/// The watcher's work, shared by replicas through leases (docs/profiles-over-time.md).
///
/// # Errors
/// `Unavailable` when the store is down.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait WatchWork: Send + Sync {
    /// Adds series not known yet, their live cursor at `next_slice`.
    async fn add_series(&self, series: &[Series], next_slice: i64) -> Result<(), SorError>;
    /// Leases up to `limit` series with work due (a live slice starting at or before `due`, or
    /// a pending backfill item) that nobody holds, oldest cursor first.
    async fn claim(
        &self,
        holder: &str,
        limit: u32,
        lease: std::time::Duration,
        due: i64,
    ) -> Result<Vec<Lease>, SorError>;
    /// The held series' next slice in time order: its earliest pending backfill item or its
    /// live cursor (when that starts at or before `due`).
    async fn next(&self, lease: &Lease, due: i64) -> Result<Option<SliceWork>, SorError>;
    /// Records `work` done with its `outcome` (the summary, if the slice had a profile, and what
    /// its examination decided) in one transaction, and renews the lease;
    /// `false` when the lease was lost (nothing is written then).
    async fn done(
        &self,
        lease: &Lease,
        work: &SliceWork,
        outcome: &SliceOutcome,
        renew: std::time::Duration,
    ) -> Result<bool, SorError>;
    /// Records a failed attempt; a backfill item is given up after a few.
    async fn failed(&self, lease: &Lease, work: &SliceWork, error: &str) -> Result<(), SorError>;
    /// Gives the series back.
    async fn release(&self, lease: &Lease) -> Result<(), SorError>;
    /// The start of the oldest slice a live cursor waits at.
    async fn oldest_cursor(&self) -> Result<Option<i64>, SorError>;
    /// Drops the day partitions wholly before `before`; their names.
    async fn drop_before(&self, before: i64) -> Result<Vec<String>, SorError>;
}

/// Which series the watcher summarized lately (docs/front-door.md): what the front door lists, read
/// without the summaries' functions.
///
/// # Errors
/// `Unavailable` when the store is down.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait RecentSeries: Send + Sync {
    /// Every series with a summary whose slice starts at or after `since`: its newest slice
    /// and how many it has there, sorted by app and type; one indexed read whatever the number
    /// of series.
    async fn recent(&self, since: i64) -> Result<Vec<SeriesRecency>, SorError>;
}

/// A series summarized lately: its newest slice start and its slices since the time asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesRecency {
    pub series: Series,
    pub latest_slice: i64,
    pub slices: u32,
}

/// What an app's trend page marks (docs/front-door.md): the changes found in its window, known to
/// the watcher only by this contract, so that `regressions/` depends on `watch/` and never back.
///
/// # Errors
/// `Unavailable` when the store is down.
#[async_trait]
pub trait TrendMarks: Send + Sync {
    /// The changes of `app`'s `profile_type` whose change point lies in `window`, oldest first.
    async fn marks(
        &self,
        app: &AppName,
        profile_type: ProfileType,
        window: TimeWindow,
    ) -> Result<Vec<ChangeMark>, SorError>;
}

/// One change marked on a trend: where, which function, what it is, and the page that tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeMark {
    /// The change point, epoch seconds.
    pub at: i64,
    pub function: String,
    /// What the change is, e.g. `confirmed regression`.
    pub what: String,
    /// The change's page on this service.
    pub href: String,
}

/// What looks at a series right after a slice of it is summarized (docs/regressions.md: the
/// regression examiner). Its findings are stored with the summary, in the slice's transaction; the
/// watcher knows the examination only by this contract.
#[async_trait]
pub trait SliceExaminer: Send + Sync {
    /// Whether `slices` summaries are history enough to suspect a change.
    fn can_suspect(&self, slices: usize) -> bool;
    /// The summaries of `series` an examination of the slice at `start` reads before it,
    /// ascending by start: those of `kept` (what the examination of the slice before read, and
    /// that slice's summary; empty: nothing) it still needs, and the others read.
    async fn history(
        &self,
        series: &Series,
        start: i64,
        kept: Vec<SliceSummary>,
    ) -> Result<Vec<SliceSummary>, SorError>;
    /// What the newest summary of `series` (the last of `history`), made by `work`, decided;
    /// `None` when nothing.
    async fn examine(
        &self,
        series: &Series,
        work: &SliceWork,
        history: &[SliceSummary],
    ) -> Result<Option<Arc<dyn SliceFindings>>, SorError>;
    /// Refreshes what the examinations show on `/metrics`; once a watcher round.
    async fn refresh(&self) -> Result<(), SorError>;
}
