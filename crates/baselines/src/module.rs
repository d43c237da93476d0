//! Approved baselines (`ReadPyroscopeBaseline.sor.v1`) as a module of the table; the registry
//! gives their routes the owners of apps, for team-bound tokens.

use std::sync::Arc;

use crate::{BaselineSor, PgBaselineStore};
use pf_module::{Function, Name, StoreModule};

pub const BASELINES_MODULE: StoreModule<dyn BaselineSor> = StoreModule {
    name: Name::Baselines,
    function: Function::BaselineSor,
    needs: &[Name::Registry],
    open: |db, _| Arc::new(PgBaselineStore::new(db)),
    routes: crate::ROUTES,
};
