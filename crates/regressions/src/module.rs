//! The profile watcher's stores and the watcher with its regression events, as modules of the
//! table. They live here, the highest of the crates they start (pf-watch below, this one above).

use std::sync::Arc;

use actix_web::web;
use url::Url;

use crate::{start, PgRegressionStore, RegressionMarks, RegressionNeeds, RegressionSettings};
use crate::{LeaksConfig, RegressionSor};
use pf_baselines::BaselineSor;
use pf_commits::RepositorySettings;
use pf_delivery::Delivery;
use pf_diff_report::Judgement;
use pf_module::{Function, Ground, Module, ModuleError, Name, Offers, Served, Started};
use pf_profiles::ProfileDataSor;
use pf_registry::RegistrySor;
use pf_watch::{FleetSummarySor, PgSummaryStore, RecentSeries, SummarySor, WatchNeeds};
use pf_watch::{WatchSettings, WatchWork, WatcherReads};

/// The profile watcher's stores by contract, where the watcher runs.
#[derive(Clone)]
pub struct WatcherStoreSet {
    /// Summaries: what `/trends`' suggestions and the detector read, and backfills.
    pub summaries: Arc<dyn SummarySor>,
    /// The series, their leases, and each slice's work stored.
    pub work: Arc<dyn WatchWork>,
    /// What BORs read of the watcher: trends and the fleet's summaries.
    pub reads: Arc<dyn WatcherReads>,
    /// The regression events.
    pub regressions: Arc<dyn RegressionSor>,
    /// The series summarized lately: what the front door lists.
    pub recent: Arc<dyn RecentSeries>,
}

/// The profile watcher's stores; as a contract, what others read of the watcher (trends for the
/// triage page, summaries for fleet answers), whose routes the watch module serves.
pub struct WatcherStoresModule;

impl Module for WatcherStoresModule {
    fn name(&self) -> Name {
        Name::WatcherStores
    }
    fn runs_in(&self, function: Function) -> bool {
        function.hosts(Function::Watch)
    }
    fn on_postgres(&self) -> bool {
        true
    }
    fn start(&self, ground: &mut Ground<'_>, _: &Offers) -> Result<Started, ModuleError> {
        let me = self.name();
        let slices = ground.section::<WatchSettings>(me)?.slices();
        let db = ground.database(me)?;
        let summaries = Arc::new(PgSummaryStore::new(db.clone(), slices));
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

/// What the events are told and named by, beyond the watcher's and the leaks' settings: the
/// root derives it from its settings (the demo's repository and memory limit among them).
#[derive(Clone)]
pub struct RegressionEventSettings {
    /// Where the links of a notice point (`alerts.public_url`).
    pub public_url: Url,
    /// How a regression's page judges before and after, as the diff report does.
    pub judgement: Judgement,
    /// The repositories commits are named from.
    pub repositories: RepositorySettings,
    /// The memory limit of an app whose registry entry names none.
    pub memory_limit_bytes: Option<u64>,
}

/// The Profile Data the watcher reads: the front door lists what arrived from it.
#[derive(Clone)]
pub struct WatchedProfiles(pub Arc<dyn ProfileDataSor>);

/// The watcher and the regression detector under the supervisor (no tasks while `watch.enabled`
/// is off), and their `/trends`, `/summaries` and `/regressions` routes: its stores, Profile Data
/// required, Baseline and the registry optional, each as its contract gives it
/// (docs/split-deployment.md#the-dependency-rule); the announcer when this process delivers to
/// Alertmanager.
pub struct WatchModule;

impl Module for WatchModule {
    fn name(&self) -> Name {
        Name::Watch
    }
    fn needs(&self, _: Function) -> &'static [Name] {
        &[
            Name::WatcherStores,
            Name::ProfileData,
            Name::Baselines,
            Name::Registry,
            Name::Delivery,
        ]
    }
    fn runs_in(&self, function: Function) -> bool {
        function.hosts(Function::Watch)
    }
    fn on_postgres(&self) -> bool {
        true
    }
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, ModuleError> {
        let me = self.name();
        let watch = ground.section::<WatchSettings>(me)?;
        let leaks = ground.section::<LeaksConfig>(me)?;
        let context = ground.section::<RegressionEventSettings>(me)?;
        let stores = needs.need::<WatcherStoreSet>(me, Name::WatcherStores)?;
        let profiles = needs.need::<Arc<dyn ProfileDataSor>>(me, Name::ProfileData)?;
        let queue = needs
            .need::<Delivery>(me, Name::Delivery)?
            .alertmanager
            .clone();
        let announce = match queue {
            Some(queue) if watch.enabled => Some((queue, ground.database(me)?.clone())),
            _ => None,
        };
        let config = RegressionSettings {
            watch: &watch,
            leaks: &leaks,
            public_url: context.public_url,
            judgement: context.judgement,
            repositories: context.repositories,
            memory_limit_bytes: context.memory_limit_bytes,
        };
        let regression_needs = RegressionNeeds {
            summaries: stores.summaries.clone(),
            reads: stores.reads.clone(),
            regressions: stores.regressions.clone(),
            profiles: profiles.clone(),
            registry: needs.get::<Arc<dyn RegistrySor>>(),
            announce,
            metrics: ground.metrics.clone(),
        };
        let regressions = start(config, regression_needs, &mut ground.tasks)?;
        let watch_needs = WatchNeeds {
            summaries: stores.summaries.clone(),
            work: stores.work.clone(),
            reads: stores.reads.clone(),
            profiles: profiles.clone(),
            baselines: needs.get::<Arc<dyn BaselineSor>>(),
            examiner: regressions.examiner,
            marks: Some(Arc::new(RegressionMarks(stores.regressions.clone()))),
            metrics: ground.metrics.clone(),
        };
        let watcher = pf_watch::start(&watch, watch_needs, &mut ground.tasks)?;
        let fleet_summaries = stores.reads.clone() as Arc<dyn FleetSummarySor>;
        let mut started = Started::default();
        started.mount(Some(web::Data::new(watcher.trends)), pf_watch::ROUTES);
        started.mount(
            Some(web::Data::from(fleet_summaries)),
            pf_watch::FLEET_ROUTES,
        );
        started.mount(Some(web::Data::new(regressions.service)), crate::ROUTES);
        Ok(started.offer(WatchedProfiles(profiles)))
    }
}
