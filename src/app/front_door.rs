//! `GET /` where the watcher runs: its summaries, its regression events and this process's
//! health line (docs/front-door.md). In split mode it is served by `WatchPyroscopeProfiles.v1`.

use actix_web::web;

use super::module::{Ground, Module, Name, Offers, Started};
use super::stores::WatcherStoreSet;
use super::watch::WatchedProfiles;
use super::StartupError;
use crate::settings::Function;
use pf_front_door::{FrontDoorNeeds, FrontDoorService};

/// The front door's module.
pub(super) struct FrontDoor;

impl Module for FrontDoor {
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
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, StartupError> {
        let me = self.name();
        let stores = needs.need::<WatcherStoreSet>(me, Name::WatcherStores)?;
        let WatchedProfiles(profiles) = needs.need::<WatchedProfiles>(me, Name::Watch)?;
        let door = FrontDoorService::new(
            FrontDoorNeeds {
                series: stores.recent,
                regressions: stores.regressions,
                profiles: Some(profiles),
                followed: ground.settings.watch.profile_types(),
            },
            ground.health.clone(),
        );
        let mut started = Started::default();
        started.mount(Some(web::Data::new(door)), pf_front_door::ROUTES);
        Ok(started)
    }
}
