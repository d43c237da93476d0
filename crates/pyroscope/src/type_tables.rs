//! What the Pyroscope SOR asks for each logical profile type: the profile-type ID candidates
//! (modern API) and the legacy app-name suffix, checked once at start-up.

use std::collections::BTreeMap;

use crate::client::ClientConfigError;
use pf_model::ProfileType;
use pf_profiles::PyroscopeSettings;

/// Candidate IDs and legacy suffix per type.
pub type TypeTables = (
    BTreeMap<ProfileType, Vec<String>>,
    BTreeMap<ProfileType, String>,
);

/// Every type's candidates (at least one) and suffix, from the settings.
pub fn type_tables(settings: &PyroscopeSettings) -> Result<TypeTables, ClientConfigError> {
    let mut candidates = BTreeMap::new();
    let mut suffixes = BTreeMap::new();
    for t in ProfileType::ALL {
        match settings.profile_types.get(t.as_str()) {
            Some(ids) if !ids.is_empty() => candidates.insert(t, ids.clone()),
            _ => {
                return Err(ClientConfigError {
                    key: "pyroscope.profile_types",
                    reason: format!("needs at least one candidate for {t}"),
                })
            }
        };
        match settings.legacy_suffixes.get(t.as_str()) {
            Some(suffix) => suffixes.insert(t, suffix.clone()),
            None => {
                return Err(ClientConfigError {
                    key: "pyroscope.legacy_suffixes",
                    reason: format!("needs a suffix for {t}"),
                })
            }
        };
    }
    Ok((candidates, suffixes))
}
