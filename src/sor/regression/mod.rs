//! The regression events' store (SPEC §15): the `regression_event` table, its SQL and its row
//! types. Reads are `RegressionSor` on [`PgRegressionStore`]; writes take the caller's
//! transaction, so a slice's summary, its events and their webhooks are stored together.

mod model;
mod postgres;
mod reads;
mod writes;

pub use model::{EventSignificance, EventWrite, Regression, RegressionCounts, RegressionFilter};
pub use postgres::PgRegressionStore;
pub use writes::write_events;
