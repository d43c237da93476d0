//! The fleet from the summaries (docs/profiles-over-time.md#the-fleet-from-the-summaries),
//! pure: every app's summaries of one window merged into what a live query over the same slices
//! ranks, with how far it may be off.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use pf_model::trend::{KeptFunction, SliceSummary};
use pf_model::{AppName, ProfileType, TimeWindow};

/// What a fleet answer reads from the summaries: one type, one window, all apps or some.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetQuery {
    pub profile_type: ProfileType,
    /// Slices whose start is in the window.
    pub window: TimeWindow,
    /// `None`: every app with a summary in the window.
    pub apps: Option<Vec<AppName>>,
    /// Functions kept per app after merging, by self samples (then name).
    pub top: u32,
}

/// One app's summaries of a window, merged: exact for the functions every slice kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppWindow {
    pub app: String,
    /// Starts of the app's summarized slices merged, ascending.
    pub slices: Vec<i64>,
    /// The slices' total samples, summed: a live query's total over the same slices.
    pub total_samples: u64,
    /// The sum over the slices of each slice's smallest kept self count: the most a function
    /// may have had in the slices that did not keep it, so the most any self count here falls
    /// short of the live one (0 when every slice kept every function it had).
    pub max_error_samples: u64,
    /// Self and total samples summed over the slices that kept each function; the `top` with
    /// the most self samples, then by name.
    pub functions: Vec<WindowFunction>,
}

/// A function's samples over the slices that kept it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WindowFunction {
    pub name: String,
    pub self_samples: u64,
    pub total_samples: u64,
}

/// Merges summaries as they are read, in any order (the read follows its index, slice by
/// slice, rather than sorting every row by app).
#[derive(Debug, Default)]
pub struct FleetMerge {
    top: usize,
    apps: HashMap<String, Merging>,
}

#[derive(Debug, Default)]
struct Merging {
    slices: Vec<i64>,
    total_samples: u64,
    max_error_samples: u64,
    functions: HashMap<String, (u64, u64)>,
}

impl FleetMerge {
    /// A merge keeping each app's `top` functions.
    pub fn new(top: usize) -> Self {
        FleetMerge {
            top,
            ..FleetMerge::default()
        }
    }

    /// Adds `app`'s summary of one slice.
    pub fn push(&mut self, app: &str, slice: SliceSummary) {
        if !self.apps.contains_key(app) {
            self.apps.insert(app.to_owned(), Merging::default());
        }
        let Some(merging) = self.apps.get_mut(app) else {
            return;
        };
        merging.slices.push(slice.start);
        merging.total_samples = merging.total_samples.saturating_add(slice.total_samples);
        merging.max_error_samples = merging
            .max_error_samples
            .saturating_add(smallest_kept(&slice));
        for KeptFunction {
            name,
            self_samples,
            total_samples,
            ..
        } in slice.functions
        {
            let sums = merging.functions.entry(name).or_default();
            sums.0 = sums.0.saturating_add(self_samples);
            sums.1 = sums.1.saturating_add(total_samples);
        }
    }

    /// Every app merged, by app name.
    pub fn finish(self) -> Vec<AppWindow> {
        let top = self.top;
        let mut merged: Vec<AppWindow> = self
            .apps
            .into_iter()
            .map(|(app, m)| m.close(app, top))
            .collect();
        merged.sort_unstable_by(|a, b| a.app.cmp(&b.app));
        merged
    }
}

impl Merging {
    fn close(self, app: String, top: usize) -> AppWindow {
        let mut functions: Vec<WindowFunction> = self
            .functions
            .into_iter()
            .map(|(name, (self_samples, total_samples))| WindowFunction {
                name,
                self_samples,
                total_samples,
            })
            .collect();
        functions.sort_unstable_by(|a, b| {
            b.self_samples
                .cmp(&a.self_samples)
                .then_with(|| a.name.cmp(&b.name))
        });
        functions.truncate(top);
        let mut slices = self.slices;
        slices.sort_unstable();
        slices.dedup();
        AppWindow {
            app,
            slices,
            total_samples: self.total_samples,
            max_error_samples: self.max_error_samples,
            functions,
        }
    }
}

/// The most self samples a function the slice did not keep can have had: its smallest kept
/// self count (the list is ranked by self samples, so it is the last one); the whole slice
/// when it kept nothing.
fn smallest_kept(slice: &SliceSummary) -> u64 {
    slice
        .functions
        .iter()
        .map(|f| f.self_samples)
        .min()
        .unwrap_or(slice.total_samples)
}

#[cfg(test)]
#[path = "fleet_window_tests.rs"]
mod tests;
