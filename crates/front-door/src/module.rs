//! `GET /` where the watcher runs, as a module of the table: its summaries, its regression
//! events and this process's health line (docs/front-door.md). In split mode it is served by
//! `WatchPyroscopeProfiles.v1`.

use std::sync::Arc;

use actix_web::web;

use crate::{FrontDoorNeeds, FrontDoorService, HealthLine, ROUTES};
use pf_module::{Function, Ground, Module, ModuleError, Name, Offers, Started};
use pf_regressions::{WatchedProfiles, WatcherStoreSet};
use pf_watch::WatchSettings;

/// The front door's module.
pub struct FrontDoorModule;

impl Module for FrontDoorModule {
    fn name(&self) -> Name {
        Name::FrontDoor
    }
    fn needs(&self, _: Function) -> &'static [Name] {
        &[Name::WatcherStores, Name::Watch]
    }
    fn runs_in(&self, function: Function) -> bool {
        function.hosts(Function::Watch)
    }
    fn on_postgres(&self) -> bool {
        true
    }
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, ModuleError> {
        let me = self.name();
        let stores = needs.need::<WatcherStoreSet>(me, Name::WatcherStores)?;
        let WatchedProfiles(profiles) = needs.need::<WatchedProfiles>(me, Name::Watch)?;
        let door = FrontDoorService::new(
            FrontDoorNeeds {
                series: stores.recent,
                regressions: stores.regressions,
                profiles: Some(profiles),
                followed: ground.section::<WatchSettings>(me)?.profile_types(),
            },
            ground.section::<Arc<dyn HealthLine>>(me)?,
        );
        let mut started = Started::default();
        started.mount(Some(web::Data::new(door)), ROUTES);
        Ok(started)
    }
}
