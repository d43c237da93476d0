//! The profile watcher (`all`, or `WatchPyroscopeProfiles.v1`) and the regression events it
//! examines: its stores here, Profile Data required, Baseline and the registry optional, each as
//! its contract gives it (docs/split-deployment.md#the-dependency-rule); the announcer when this
//! process delivers to Alertmanager. Then `regressions::start` and `watch::start`.

use std::sync::Arc;

use actix_web::web;

use super::module::{Ground, Module, Name, Offers, Started};
use super::stores::WatcherStoreSet;
use super::StartupError;
use crate::settings::Function;
use pf_baselines::BaselineSor;
use pf_delivery::Delivery;
use pf_profiles::ProfileDataSor;
use pf_registry::RegistrySor;
use pf_regressions::{RegressionMarks, RegressionNeeds, RegressionSettings};
use pf_watch::{FleetSummarySor, WatchNeeds};

/// The Profile Data the watcher reads: the front door lists what arrived from it.
#[derive(Clone)]
pub(super) struct WatchedProfiles(pub(super) Arc<dyn ProfileDataSor>);

/// The watcher and the regression detector under the supervisor (no tasks while `watch.enabled`
/// is off), and their `/trends`, `/summaries` and `/regressions` routes.
pub(super) struct Watch;

impl Module for Watch {
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
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, StartupError> {
        let (me, settings) = (self.name(), ground.settings);
        let stores = needs.need::<WatcherStoreSet>(me, Name::WatcherStores)?;
        let profiles = needs.need::<Arc<dyn ProfileDataSor>>(me, Name::ProfileData)?;
        let queue = needs
            .need::<Delivery>(me, Name::Delivery)?
            .alertmanager
            .clone();
        let announce = match queue {
            Some(queue) if settings.watch.enabled => Some((queue, ground.database(me)?.clone())),
            _ => None,
        };
        let config = RegressionSettings {
            watch: &settings.watch,
            leaks: &settings.leaks,
            public_url: settings.alerts.public_url.clone(),
            judgement: settings.diff.judgement(),
            repositories: settings.repositories_with_demo(),
            memory_limit_bytes: settings.memory_limit_with_demo(),
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
        let regressions = pf_regressions::start(config, regression_needs, &mut ground.tasks)?;
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
        let watcher = pf_watch::start(&settings.watch, watch_needs, &mut ground.tasks)?;
        let fleet_summaries = stores.reads.clone() as Arc<dyn FleetSummarySor>;
        let mut started = Started::default();
        started.mount(Some(web::Data::new(watcher.trends)), pf_watch::ROUTES);
        started.mount(
            Some(web::Data::from(fleet_summaries)),
            pf_watch::FLEET_ROUTES,
        );
        started.mount(
            Some(web::Data::new(regressions.service)),
            pf_regressions::ROUTES,
        );
        Ok(started.offer(WatchedProfiles(profiles)))
    }
}
