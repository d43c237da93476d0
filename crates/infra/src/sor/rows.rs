//! Listings that survive a bad row: each row is decoded on its own, and one that cannot be read
//! is logged with its id, counted, and left out, instead of failing the whole listing.

use sqlx::postgres::PgRow;
use sqlx::{FromRow, Row};

use crate::telemetry::Metrics;

/// Decodes `rows` as `T`, leaving out (and logging and counting under `store`) any row that
/// cannot be read: one row written outside this service must not hide all the others.
pub fn decode_each<T>(rows: Vec<PgRow>, store: &'static str, metrics: &Metrics) -> Vec<T>
where
    T: for<'r> FromRow<'r, PgRow>,
{
    rows.into_iter()
        .filter_map(|row| match T::from_row(&row) {
            Ok(item) => Some(item),
            Err(error) => {
                let id = row.try_get::<i32, _>("id").ok();
                tracing::error!(store, id, %error, "a stored row cannot be read; left out of the listing");
                metrics
                    .store_rows_unreadable
                    .with_label_values(&[store])
                    .inc();
                None
            }
        })
        .collect()
}
