//! The SOR contracts, the only thing BORs depend on: here the stores a BOR reads and writes
//! (Profile Data, baselines, history, registry, alert rules), the alert evaluator's state, the
//! outbox and leadership; in `watch.rs` the watcher's (summaries, its work, regressions, and
//! what BORs read of it: trends and the fleet's summaries). Each has an in-process
//! implementation (PostgreSQL, Pyroscope or profile files); those a BOR reads from another
//! process in a split deployment (SPEC §1) have an HTTP one too.

pub mod alert_rule;
pub mod alert_state;
pub mod baseline;
pub mod coalescing;
mod error;
mod fields;
pub mod git;
pub mod history;
pub mod json_text;
pub mod outbox;
pub mod profile_data;
pub mod registry;
pub mod regression;
pub mod remote;
mod rows;
pub mod summary;
mod watch;

use std::sync::Arc;

use async_trait::async_trait;

pub use error::SorError;
pub use watch::{FleetSummarySor, RegressionSor, SummarySor, TrendSor, WatchWork, WatcherReads};
#[cfg(test)]
pub use watch::{MockFleetSummarySor, MockRegressionSor, MockSummarySor, MockWatchWork};

use crate::profile::{AppName, CallTree, ProfileType, TimeWindow};
use alert_rule::{AlertRule, AlertRulePatch, NewAlertRule};
use alert_state::{AlertTransition, StoredAlert};
use baseline::{Baseline, BaselinePatch, NewBaseline};
use history::{HistoryQuery, HistoryRecord, NewHistoryRecord};
use outbox::{ClaimedNotification, OutboxStats, Settlement};
use profile_data::{DiffTrees, Profile, ProfileDiff, ProfileDiffQuery, ProfileQuery};
use registry::{NewService, Service, ServicePatch, Tier};

/// Read access to profiles, from Pyroscope or from pprof files (SPEC §2, §3).
///
/// # Errors
/// `Upstream` when Pyroscope fails or answers garbage (files that cannot be read are skipped,
/// not errors), `Timeout` when it is too slow,
/// `Unavailable` when a remote Profile Data SOR cannot be reached.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait ProfileDataSor: Send + Sync {
    /// Sorted, unique names of the apps that have profiles in `window`.
    async fn apps(&self, window: TimeWindow) -> Result<Vec<String>, SorError>;
    /// One app's ranked functions for one profile type.
    async fn profile(&self, query: ProfileQuery) -> Result<Profile, SorError>;
    /// One app's functions in a baseline and a current window.
    async fn diff(&self, query: ProfileDiffQuery) -> Result<ProfileDiff, SorError>;
    /// The call tree that [`ProfileDataSor::profile`] ranks (its `limit` is not used): what a
    /// flame graph draws.
    async fn tree(&self, query: ProfileQuery) -> Result<Arc<CallTree>, SorError>;
    /// The call trees that [`ProfileDataSor::diff`] ranks, of the same profile type (its
    /// `limit` is not used): what a differential flame graph draws.
    async fn diff_trees(&self, query: ProfileDiffQuery) -> Result<DiffTrees, SorError>;
    /// Sorted, unique values of the label `name` on `app`'s profiles of `profile_type` in
    /// `window` (SPEC §13: the versions a slice saw). Pyroscope answers from its label index;
    /// pprof files from their samples' string labels.
    async fn label_values(
        &self,
        app: AppName,
        profile_type: ProfileType,
        window: TimeWindow,
        name: String,
    ) -> Result<Vec<String>, SorError>;
}

/// Approved per-function thresholds (SPEC §7, Baselines).
///
/// # Errors
/// `NotFound` for a missing id, `Invalid` for a broken constraint, `Unavailable` when the store is down.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait BaselineSor: Send + Sync {
    /// Creates, or updates the row with the same (app, type, function); keeps its id.
    async fn upsert(&self, baseline: NewBaseline) -> Result<Baseline, SorError>;
    /// An app's baselines, optionally of one profile type.
    async fn list(
        &self,
        app: AppName,
        profile_type: Option<ProfileType>,
    ) -> Result<Vec<Baseline>, SorError>;
    /// Changes threshold and/or severity.
    async fn update(&self, id: i32, patch: BaselinePatch) -> Result<Baseline, SorError>;
    /// Removes one baseline.
    async fn delete(&self, id: i32) -> Result<(), SorError>;
}

/// The audit trail of assessments (SPEC §7, History).
///
/// # Errors
/// `NotFound` for a missing id or an app without records (`latest`), `Invalid` for a broken
/// constraint, `Unavailable` when the store is down. After `Unavailable`, `Timeout` or
/// `Upstream` a write may or may not have been stored: writing the same records again is safe.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait HistorySor: Send + Sync {
    /// Stores one assessment; a record whose key is stored already answers the stored row.
    async fn create(&self, record: NewHistoryRecord) -> Result<HistoryRecord, SorError>;
    /// Stores assessments together, skipping those whose key is stored already. One refused
    /// record (`Invalid`) fails the call; the others may or may not be stored then.
    async fn create_many(&self, records: &[NewHistoryRecord]) -> Result<(), SorError>;
    /// An app's records, newest first.
    async fn list(&self, app: AppName, query: HistoryQuery)
        -> Result<Vec<HistoryRecord>, SorError>;
    /// An app's newest record.
    async fn latest(&self, app: AppName) -> Result<HistoryRecord, SorError>;
    /// Removes one record.
    async fn delete(&self, id: i32) -> Result<(), SorError>;
}

/// Ownership and tier of monitored services (SPEC §7, Registry).
///
/// # Errors
/// `NotFound` for an unregistered app, `Invalid` for a broken constraint, `Unavailable` when the store is down.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait RegistrySor: Send + Sync {
    /// Registers a service, or replaces the registration of the same app; keeps its id.
    async fn upsert(&self, service: NewService) -> Result<Service, SorError>;
    /// All services, optionally of one tier, by app name.
    async fn list(&self, tier: Option<Tier>) -> Result<Vec<Service>, SorError>;
    /// One service.
    async fn get(&self, app: AppName) -> Result<Service, SorError>;
    /// Changes only the fields the patch names.
    async fn update(&self, app: AppName, patch: ServicePatch) -> Result<Service, SorError>;
    /// Removes one service.
    async fn delete(&self, app: AppName) -> Result<(), SorError>;
}

/// Profiling alert rules (SPEC §7, Alert rules).
///
/// # Errors
/// `NotFound` for a missing id, `Invalid` for a broken constraint, `Unavailable` when the store is down.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait AlertRuleSor: Send + Sync {
    /// Creates a rule.
    async fn create(&self, rule: NewAlertRule) -> Result<AlertRule, SorError>;
    /// All rules, optionally of one app.
    async fn list(&self, app: Option<AppName>) -> Result<Vec<AlertRule>, SorError>;
    /// One rule.
    async fn get(&self, id: i32) -> Result<AlertRule, SorError>;
    /// An app's enabled rules.
    async fn active(&self, app: AppName) -> Result<Vec<AlertRule>, SorError>;
    /// Changes only the fields the patch names.
    async fn update(&self, id: i32, patch: AlertRulePatch) -> Result<AlertRule, SorError>;
    /// Removes one rule.
    async fn delete(&self, id: i32) -> Result<(), SorError>;
}

/// Where each rule's alert stands, and its transitions (SPEC §10). Written by the evaluator only.
///
/// # Errors
/// `Unavailable` when the store is down.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait AlertStateSor: Send + Sync {
    /// Every pending or firing alert, by rule id.
    async fn alerts(&self) -> Result<Vec<StoredAlert>, SorError>;
    /// One evaluation at once: `alerts` stored (replacing each rule's row), the rows of
    /// `cleared` rules removed, `transitions` appended and their notifications enqueued.
    async fn save(
        &self,
        alerts: &[StoredAlert],
        cleared: &[i32],
        transitions: &[AlertTransition],
    ) -> Result<(), SorError>;
    /// Transitions, newest first, optionally of one app.
    async fn transitions(
        &self,
        app: Option<AppName>,
        limit: u32,
    ) -> Result<Vec<AlertTransition>, SorError>;
}

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

/// Which of several replicas does a job that must run once (the alert evaluator).
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait Leadership: Send + Sync {
    /// Whether this process leads now: takes the lead when it is free, keeps it while held.
    async fn lead(&self) -> Result<bool, SorError>;
}
