//! The SORs on the process's database, each a module of the table and a contract: baselines,
//! history, the registry, alert rules, and the profile watcher's stores. Each serves its routes
//! and offers itself as `Served`; its users get it as its contract chooses (`contracts.rs`). The
//! concrete store types are named here and nowhere else in the composition root.

use std::sync::Arc;

use actix_web::web;

use super::module::{Ground, Module, Name, Offers, Served, Started};
use super::StartupError;
use crate::settings::Function;
use pf_alerts::{AlertRuleSor, PgAlertRuleStore};
use pf_baselines::{BaselineSor, PgBaselineStore};
use pf_history::{HistorySor, PgHistoryStore};
use pf_http::access::AppOwners;
use pf_http::Routes;
use pf_registry::{PgRegistryStore, RegistryOwners, RegistrySor};
use pf_regressions::{PgRegressionStore, RegressionSor};
use pf_watch::{PgSummaryStore, RecentSeries, SummarySor, WatchWork, WatcherReads};

/// Whose an app is, for team-bound tokens (docs/api.md#teams-and-admin-tokens): the registry as
/// its contract gives it (this process's, or the one `REGISTRY_URL` names), as route data.
fn owners(needs: &Offers) -> Option<web::Data<dyn AppOwners>> {
    let registry = needs.get::<Arc<dyn RegistrySor>>()?;
    Some(web::Data::from(
        Arc::new(RegistryOwners(registry)) as Arc<dyn AppOwners>
    ))
}

/// A store this process serves: its routes (with `owners` beside them, for team-bound tokens),
/// and itself offered as `Served` to the contract's users.
fn serve<T: ?Sized + Send + Sync + 'static>(
    store: Arc<T>,
    owners: Option<web::Data<dyn AppOwners>>,
    routes: Routes,
) -> Started {
    let mut started = Started::default();
    started.mount_with(Some(web::Data::from(store.clone())), owners, routes);
    started.offer(Served(store))
}

/// The service registry (`ReadPyroscopeServiceRegistry.sor.v1`).
pub(super) struct Registry;

impl Module for Registry {
    fn name(&self) -> Name {
        Name::Registry
    }
    fn runs_in(&self, function: Function) -> bool {
        function.hosts(Function::RegistrySor)
    }
    fn on_postgres(&self) -> bool {
        true
    }
    fn start(&self, ground: &mut Ground<'_>, _: &Offers) -> Result<Started, StartupError> {
        let db = ground.database(self.name())?.clone();
        let store: Arc<dyn RegistrySor> =
            Arc::new(PgRegistryStore::new(db, ground.metrics.clone()));
        Ok(serve(store, None, pf_registry::ROUTES))
    }
}

/// Approved baselines (`ReadPyroscopeBaseline.sor.v1`).
pub(super) struct Baselines;

impl Module for Baselines {
    fn name(&self) -> Name {
        Name::Baselines
    }
    fn needs(&self, _: Function) -> &'static [Name] {
        &[Name::Registry]
    }
    fn runs_in(&self, function: Function) -> bool {
        function.hosts(Function::BaselineSor)
    }
    fn on_postgres(&self) -> bool {
        true
    }
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, StartupError> {
        let db = ground.database(self.name())?.clone();
        let store: Arc<dyn BaselineSor> = Arc::new(PgBaselineStore::new(db));
        Ok(serve(store, owners(needs), pf_baselines::ROUTES))
    }
}

/// The audit trail (`CreatePyroscopeTriageHistory.sor.v1`).
pub(super) struct History;

impl Module for History {
    fn name(&self) -> Name {
        Name::History
    }
    fn runs_in(&self, function: Function) -> bool {
        function.hosts(Function::HistorySor)
    }
    fn on_postgres(&self) -> bool {
        true
    }
    fn start(&self, ground: &mut Ground<'_>, _: &Offers) -> Result<Started, StartupError> {
        let db = ground.database(self.name())?.clone();
        let store: Arc<dyn HistorySor> = Arc::new(PgHistoryStore::new(db, ground.metrics.clone()));
        Ok(serve(store, None, pf_history::ROUTES))
    }
}

/// Alert rules (`ReadPyroscopeAlertRule.sor.v1`).
pub(super) struct AlertRules;

impl Module for AlertRules {
    fn name(&self) -> Name {
        Name::AlertRules
    }
    fn needs(&self, _: Function) -> &'static [Name] {
        &[Name::Registry]
    }
    fn runs_in(&self, function: Function) -> bool {
        function.hosts(Function::AlertRuleSor)
    }
    fn on_postgres(&self) -> bool {
        true
    }
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, StartupError> {
        let db = ground.database(self.name())?.clone();
        let store: Arc<dyn AlertRuleSor> = Arc::new(PgAlertRuleStore::new(db));
        Ok(serve(store, owners(needs), pf_alerts::RULE_ROUTES))
    }
}

/// The profile watcher's stores by contract, where the watcher runs.
#[derive(Clone)]
pub(super) struct WatcherStoreSet {
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

/// The profile watcher's stores; as a contract, what others read of the watcher (trends for the
/// triage page, summaries for fleet answers), whose routes the watch module serves.
pub(super) struct WatcherStores;

impl Module for WatcherStores {
    fn name(&self) -> Name {
        Name::WatcherStores
    }
    fn runs_in(&self, function: Function) -> bool {
        function.hosts(Function::Watch)
    }
    fn on_postgres(&self) -> bool {
        true
    }
    fn start(&self, ground: &mut Ground<'_>, _: &Offers) -> Result<Started, StartupError> {
        let db = ground.database(self.name())?;
        let summaries = Arc::new(PgSummaryStore::new(
            db.clone(),
            ground.settings.watch.slices(),
        ));
        let stores = WatcherStoreSet {
            summaries: summaries.clone(),
            work: summaries.clone(),
            recent: summaries.clone(),
            reads: summaries,
            regressions: Arc::new(PgRegressionStore::new(db.clone())),
        };
        let reads = Served(stores.reads.clone());
        Ok(Started::default().offer(stores).offer(reads))
    }
}
