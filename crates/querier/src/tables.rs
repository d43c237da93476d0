//! What the querier reads files by: their bounds and the sample-type table of `/profiles`
//! (docs/grafana.md#profile-types).

use std::collections::BTreeMap;

use pf_model::ProfileType;
use pf_pprof::Limits;

/// What the querier reads files by: their bounds and the sample-type table of `/profiles`.
#[derive(Debug, Clone)]
pub(crate) struct Tables {
    pub(crate) limits: Limits,
    pub(crate) sample_types: BTreeMap<ProfileType, Vec<String>>,
    pub(crate) series_names: BTreeMap<ProfileType, String>,
}
