//! The watcher's stored values (docs/profiles-over-time.md): series, their leases, the slices to
//! summarize, and backfills.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use utoipa::ToSchema;

use pf_model::trend::SliceSummary;
use pf_model::{AppName, ProfileType, SliceSecs};

/// One series: an app's profiles of one type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Series {
    pub app: AppName,
    pub profile_type: ProfileType,
}

/// A series this replica holds: what fences its writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub series: Series,
    /// Grows at every claim; a write with an older token is refused.
    pub token: i64,
}

/// Where a slice to summarize comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkSource {
    /// The live cursor of the series.
    Live,
    /// A queued backfill item.
    Backfill { id: i64, notify: bool },
}

/// The next slice of a held series, in time order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SliceWork {
    /// Slice start, epoch seconds.
    pub start: i64,
    pub source: WorkSource,
    /// The slice is summarized already (by a backfill or the live cursor): nothing to read.
    pub summarized: bool,
    /// The slice is newer than every slice the detector examined in the series: its summary
    /// is examined (an older gap a backfill fills is only summarized).
    pub examine: bool,
}

/// Past slices to summarize as if live.
#[derive(Debug, Clone, PartialEq)]
pub struct Backfill {
    /// First slice start (aligned), epoch seconds.
    pub from: i64,
    /// Slices starting before this.
    pub to: i64,
    pub slice_secs: SliceSecs,
    pub apps: Vec<AppName>,
    pub types: Vec<ProfileType>,
    pub notify: bool,
    /// Where the live cursor of a series new to the store starts.
    pub live_from: i64,
}

// Named `BackfillStatus` in the OpenAPI document, as it always was.
/// Backfill items by state (`GET /trends/backfill`), over every backfill in the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = BackfillStatus)]
pub struct BackfillCounts {
    pub pending: u64,
    pub done: u64,
    pub failed: u64,
}

/// A series' newest summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSummary {
    pub series: Series,
    pub summary: SliceSummary,
}

/// The newest summaries of the series written after a moment, and the store's clock when they
/// were read: the moment the next read starts from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Latest {
    pub summaries: Vec<SeriesSummary>,
    /// The store's clock, epoch seconds, before the summaries were read.
    pub read_at: f64,
}

/// What one slice's work stores: its summary (none when the slice had no profile) and, when
/// it was examined, what the examination decided.
#[derive(Debug, Clone, Default)]
pub struct SliceOutcome {
    pub summary: Option<SliceSummary>,
    /// The summary was examined: the series' examined slice moves to it.
    pub examined: bool,
    pub findings: Option<Arc<dyn SliceFindings>>,
}

/// What an examination of a slice decided (docs/regressions.md: the regression events' changes),
/// stored in the transaction of the slice's summary. The watcher knows it only by this contract.
pub trait SliceFindings: Send + Sync + std::fmt::Debug {
    /// Writes it in `tx`, the transaction of `series`' slice.
    fn write<'a>(
        &'a self,
        tx: &'a mut PgConnection,
        series: &'a Series,
    ) -> BoxFuture<'a, Result<(), sqlx::Error>>;
    /// Counts it, once the transaction that stored it committed.
    fn stored(&self);
}
