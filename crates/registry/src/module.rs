//! The service registry (`ReadPyroscopeServiceRegistry.sor.v1`) as a module of the table.

use std::sync::Arc;

use crate::{PgRegistryStore, RegistrySor};
use pf_module::{Function, Name, StoreModule};

pub const REGISTRY_MODULE: StoreModule<dyn RegistrySor> = StoreModule {
    name: Name::Registry,
    function: Function::RegistrySor,
    needs: &[],
    open: |db, metrics| Arc::new(PgRegistryStore::new(db, metrics)),
    routes: crate::ROUTES,
};
