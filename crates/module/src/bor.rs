//! The module of a business function (BOR): one declaration in its crate, the same rows for
//! every one.

use crate::{Bor, BorVersion, Function, Ground, Module, ModuleError, Name, Offers, Started};

/// A BOR: run where its function (or `all`) runs, needing what its version may use
/// ([`BorVersion::needs`]); `start` is given that version.
pub struct BorModule {
    pub bor: Bor,
    pub start: fn(BorVersion, &mut Ground<'_>, &Offers) -> Result<Started, ModuleError>,
}

impl Module for BorModule {
    fn name(&self) -> Name {
        self.bor.module()
    }
    fn needs(&self, function: Function) -> &'static [Name] {
        function.bor_needs(self.bor)
    }
    fn runs_in(&self, function: Function) -> bool {
        function.bor_version(self.bor).is_some()
    }
    /// Nothing where its function does not run (no module needs a BOR).
    fn start(&self, ground: &mut Ground<'_>, needs: &Offers) -> Result<Started, ModuleError> {
        match ground.function.bor_version(self.bor) {
            Some(version) => (self.start)(version, ground, needs),
            None => Ok(Started::default()),
        }
    }
}
