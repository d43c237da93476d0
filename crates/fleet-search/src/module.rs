//! Fleet search as a module of the table: started where its function (or `all`) runs, on the
//! SORs its version may use as their contracts give them.

use std::sync::Arc;

use actix_web::web;

use crate::{start, FleetNeeds, FleetSettings};
use pf_module::{Bor, BorModule, Name, Started};
use pf_profiles::ProfileDataSor;
use pf_registry::RegistrySor;
use pf_watch::{FleetSummarySor, WatchSettings, WatcherReads};

/// `ReadPyroscopeFleetSearch.v1`/`.v2`: the watcher's summaries are cut on its slice grid.
pub const FLEET_SEARCH_MODULE: BorModule = BorModule {
    bor: Bor::FleetSearch,
    start: |version, ground, needs| {
        let me = Name::FleetSearch;
        let settings = ground.section::<FleetSettings>(me)?;
        let needs = FleetNeeds {
            profiles: needs.need::<Arc<dyn ProfileDataSor>>(me, Name::ProfileData)?,
            // A v1 fleet search is offered no registry: its needs name none.
            registry: needs.get::<Arc<dyn RegistrySor>>(),
            summaries: needs
                .get::<Arc<dyn WatcherReads>>()
                .map(|w| w as Arc<dyn FleetSummarySor>),
            slices: ground.section::<WatchSettings>(me)?.slices(),
            metrics: ground.metrics.clone(),
        };
        Bor::FleetSearch.log_ready(version, false, false, needs.registry.is_some());
        let service = web::Data::new(start(&settings, needs));
        Ok(Started::mounted(service, crate::ROUTES))
    },
};
