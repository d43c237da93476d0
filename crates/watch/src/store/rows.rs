//! The watcher store's rows as read, by column name.

use pf_model::saturate;
use pf_model::trend_view::StoredSlice;

/// One summary's own columns (`slice_start … functions`): the functions are JSON text.
#[derive(sqlx::FromRow)]
pub(super) struct SliceRow {
    pub(super) slice_start: i64,
    pub(super) total_samples: i64,
    pub(super) versions: Vec<String>,
    pub(super) git_refs: Vec<String>,
    pub(super) functions: String,
}

impl SliceRow {
    /// The summary as stored; a count a database cannot hold is clamped.
    pub(super) fn stored(self) -> StoredSlice {
        StoredSlice {
            start: self.slice_start,
            total_samples: saturate(self.total_samples),
            versions: self.versions,
            refs: self.git_refs,
            functions: self.functions,
        }
    }
}

/// A summary as the fleet read takes it: its app, no type (the read is of one).
#[derive(sqlx::FromRow)]
pub(super) struct FleetRow {
    pub(super) app_name: String,
    #[sqlx(flatten)]
    pub(super) slice: SliceRow,
}

/// One summary row (`SUMMARY_COLUMNS`): a fleet row with its type.
#[derive(sqlx::FromRow)]
pub(super) struct SummaryRow {
    pub(super) profile_type: String,
    #[sqlx(flatten)]
    pub(super) fleet: FleetRow,
}

/// A held series' next work: its live cursor and the earliest pending backfill item, and
/// whether each of those slices is summarized already.
#[derive(sqlx::FromRow)]
pub(super) struct NextRow {
    pub(super) next_slice: i64,
    pub(super) examined_through: Option<i64>,
    pub(super) cursor_done: bool,
    pub(super) item_id: Option<i64>,
    pub(super) item_start: Option<i64>,
    pub(super) item_notify: Option<bool>,
    pub(super) item_done: bool,
}
