//! The profile watcher's stores on the process's database, each handed out by the contract its
//! users hold: the concrete store types are named here and nowhere else in the composition root.

use std::sync::Arc;

use pf_infra::db::Database;
use pf_model::Slices;
use pf_regressions::store::{PgRegressionStore, RegressionSor};
use pf_watch::store::PgSummaryStore;
use pf_watch::{RecentSeries, SummarySor, WatchWork, WatcherReads};

/// The watcher's stores by contract, when this process runs the watcher.
#[derive(Clone)]
pub(super) struct WatcherStores {
    /// Summaries: what `/trends`' suggestions and the detector read, and backfills.
    pub(super) summaries: Arc<dyn SummarySor>,
    /// The series, their leases, and each slice's work stored.
    pub(super) work: Arc<dyn WatchWork>,
    /// What BORs read of the watcher: trends and the fleet's summaries.
    pub(super) reads: Arc<dyn WatcherReads>,
    /// The regression events.
    pub(super) regressions: Arc<dyn RegressionSor>,
    /// The series summarized lately: what the front door lists.
    pub(super) recent: Arc<dyn RecentSeries>,
}

impl WatcherStores {
    /// The stores on `db`, summaries cut into `slices`.
    pub(super) fn on(db: &Database, slices: Slices) -> Self {
        let summaries = Arc::new(PgSummaryStore::new(db.clone(), slices));
        WatcherStores {
            summaries: summaries.clone(),
            work: summaries.clone(),
            recent: summaries.clone(),
            reads: summaries,
            regressions: Arc::new(PgRegressionStore::new(db.clone())),
        }
    }
}
