//! Notification Outbox SOR: every notification this service sends (a webhook POST), one row
//! each in PostgreSQL until it is delivered or given up. Enqueued by the store of what caused it,
//! in the same transaction; drained by `bor::delivery` on any number of replicas.

pub mod model;
pub mod postgres;

pub use model::{ClaimedNotification, NewNotification, NotificationKind, OutboxStats, Settlement};
pub use postgres::{enqueue, PgOutbox};
