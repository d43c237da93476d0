//! The watcher store's rows as read, by column name.

/// One summary row (`SUMMARY_COLUMNS`): the functions are JSON text.
#[derive(sqlx::FromRow)]
pub(super) struct SummaryRow {
    pub(super) app_name: String,
    pub(super) profile_type: String,
    pub(super) slice_start: i64,
    pub(super) total_samples: i64,
    pub(super) versions: Vec<String>,
    pub(super) git_refs: Vec<String>,
    pub(super) functions: String,
}

/// A summary as the fleet read takes it: no type (the read is of one).
#[derive(sqlx::FromRow)]
pub(super) struct FleetRow {
    pub(super) app_name: String,
    pub(super) slice_start: i64,
    pub(super) total_samples: i64,
    pub(super) versions: Vec<String>,
    pub(super) git_refs: Vec<String>,
    pub(super) functions: String,
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
