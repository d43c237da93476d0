//! What the process has set up before its BORs' background work starts, named once for the
//! functions that start that work (the alert evaluator, the watcher and its detector).

use std::sync::Arc;

use super::bors::Hosted;
use super::remote_sors::RemoteSors;
use crate::settings::Settings;
use pf_delivery::Delivery;
use pf_infra::db::Database;
use pf_infra::telemetry::Metrics;

/// The settings, the SORs this process hosts, its database and delivery task (each when it has
/// one), and the metrics registry.
#[derive(Clone, Copy)]
pub(super) struct Ground<'a> {
    pub(super) settings: &'a Settings,
    pub(super) hosted: &'a Hosted,
    pub(super) database: Option<&'a Database>,
    pub(super) delivery: Option<&'a Delivery>,
    pub(super) metrics: &'a Arc<Metrics>,
}

impl<'a> Ground<'a> {
    /// A resolver of the SORs one capability of this process needs.
    pub(super) fn remote_sors(&self) -> RemoteSors<'a> {
        RemoteSors::new(self.settings, self.metrics)
    }
}
