//! The regression events' store (docs/regressions.md): the `regression_event` table, its SQL and
//! its row types. Reads are `RegressionSor` on [`PgRegressionStore`]; writes take the caller's
//! transaction, so a slice's summary, its events and their webhooks are stored together.

mod model;
mod postgres;
mod reads;
mod writes;

pub use model::{EventSignificance, EventWrite, Regression, RegressionCounts, RegressionFilter};
pub use postgres::PgRegressionStore;
pub use writes::write_events;

use async_trait::async_trait;

use pf_infra::sor::SorError;
use pf_watch::Series;

/// The regression events the watcher's detector stores (docs/regressions.md).
///
/// # Errors
/// `Unavailable` when the store is down; `NotFound` from `get` for an unknown id.
#[cfg_attr(any(test, feature = "testing"), mockall::automock)]
#[async_trait]
pub trait RegressionSor: Send + Sync {
    /// Events matching `filter`, the newest change point first.
    async fn list(&self, filter: RegressionFilter) -> Result<Vec<Regression>, SorError>;
    /// One event.
    async fn get(&self, id: i64) -> Result<Regression, SorError>;
    /// The series' suspected and confirmed events.
    async fn open(&self, series: &Series) -> Result<Vec<Regression>, SorError>;
    /// Every app's suspected and confirmed events, the newest change point first, at most
    /// `limit`: the front door's read (docs/front-door.md), one query.
    async fn open_everywhere(&self, limit: u32) -> Result<Vec<Regression>, SorError>;
    /// The announced events confirmed now, and the announced resolutions Alertmanager has
    /// not been sent yet.
    async fn announcements(&self) -> Result<(Vec<Regression>, Vec<Regression>), SorError>;
    /// Records that the resolutions `ids` went to Alertmanager.
    async fn resolutions_sent(&self, ids: &[i64]) -> Result<(), SorError>;
    /// Events by kind and state, and how many are confirmed now.
    async fn counts(&self) -> Result<RegressionCounts, SorError>;
}
