//! Notification Outbox SOR: every notification this service sends (a webhook POST), one row
//! each in PostgreSQL until it is delivered or given up. Enqueued by the store of what caused it,
//! in the same transaction; drained by `delivery` on any number of replicas.

pub mod model;
pub mod postgres;

pub use model::{ClaimedNotification, NewNotification, NotificationKind, OutboxStats, Settlement};
pub use postgres::{enqueue, PgOutbox};

use async_trait::async_trait;

use pf_infra::sor::SorError;

/// The notifications waiting to go out (the outbox), shared by every replica. Rows are
/// enqueued by the store of what caused them, in the same transaction.
///
/// # Errors
/// `Unavailable` when the store is down.
#[async_trait]
pub trait NotificationOutbox: Send + Sync {
    /// Takes up to `limit` due notifications, those due longest, for one attempt each: counts
    /// the attempt and keeps them from every other claim for `lease`. Rows another replica
    /// holds are skipped, not waited for. They come back in no particular order.
    async fn claim(
        &self,
        limit: u32,
        lease: std::time::Duration,
    ) -> Result<Vec<ClaimedNotification>, SorError>;
    /// Records how attempt `attempt` of notification `id` ended; `false` when the row is no
    /// longer this attempt's (settled, or claimed again after the lease ran out).
    async fn settle(
        &self,
        id: i64,
        attempt: i32,
        settlement: &Settlement,
    ) -> Result<bool, SorError>;
    /// How long until the next pending notification is due (zero when one is due now), or
    /// `None` when none is pending; on the database's clock, which every replica shares.
    async fn next_due(&self) -> Result<Option<std::time::Duration>, SorError>;
    /// Pending and given-up counts.
    async fn stats(&self) -> Result<OutboxStats, SorError>;
    /// Forgets notifications delivered or given up more than `age` ago; how many.
    async fn prune(&self, age: std::time::Duration) -> Result<u64, SorError>;
}
