//! An app's approved thresholds, indexed for lookup by function name.

use std::collections::HashMap;

use super::Baseline;
use pf_model::{normalize_function_name, ProfileType};

/// An app's approved thresholds, looked up by profile type and normalised function name so
/// JVM-generated names still match after a restart.
#[derive(Debug, Clone, Default)]
pub struct BaselineIndex(HashMap<(ProfileType, String), Baseline>);

impl BaselineIndex {
    /// Indexes `baselines`; when several normalise to the same key the strictest one wins.
    pub fn new(baselines: Vec<Baseline>) -> Self {
        let mut index: HashMap<(ProfileType, String), Baseline> = HashMap::new();
        for baseline in baselines {
            let key = (
                baseline.profile_type,
                normalize_function_name(&baseline.function_name),
            );
            match index.get(&key) {
                Some(kept) if kept.max_self_percent <= baseline.max_self_percent => {}
                _ => {
                    index.insert(key, baseline);
                }
            }
        }
        BaselineIndex(index)
    }

    /// The baseline for `function` (as Pyroscope names it) of `profile_type`.
    pub fn get(&self, profile_type: ProfileType, function: &str) -> Option<&Baseline> {
        self.0
            .get(&(profile_type, normalize_function_name(function)))
    }
}

#[cfg(test)]
#[path = "index_tests.rs"]
mod tests;
