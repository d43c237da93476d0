//! The fleet from the summaries (SPEC §18), pure: every app's summaries of one window merged
//! into what a live query over the same slices ranks, with how far it may be off.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::trend::{KeptFunction, SliceSummary};
use super::{AppName, ProfileType, TimeWindow};

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

/// Merges summaries app by app as they are read (app by app, any slice order within one).
#[derive(Debug, Default)]
pub struct FleetMerge {
    top: usize,
    done: Vec<AppWindow>,
    current: Option<Merging>,
}

#[derive(Debug)]
struct Merging {
    app: String,
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

    /// Adds `app`'s summary of one slice; an app's summaries must come one after another.
    pub fn push(&mut self, app: &str, slice: SliceSummary) {
        if self.current.as_ref().is_none_or(|m| m.app != app) {
            self.close();
            self.current = Some(Merging {
                app: app.to_owned(),
                slices: Vec::new(),
                total_samples: 0,
                max_error_samples: 0,
                functions: HashMap::new(),
            });
        }
        let Some(merging) = self.current.as_mut() else {
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
        } in slice.functions
        {
            let sums = merging.functions.entry(name).or_default();
            sums.0 = sums.0.saturating_add(self_samples);
            sums.1 = sums.1.saturating_add(total_samples);
        }
    }

    /// Every app merged, in the order they came.
    pub fn finish(mut self) -> Vec<AppWindow> {
        self.close();
        self.done
    }

    fn close(&mut self) {
        let Some(m) = self.current.take() else { return };
        let mut functions: Vec<WindowFunction> = m
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
        functions.truncate(self.top);
        let mut slices = m.slices;
        slices.sort_unstable();
        slices.dedup();
        self.done.push(AppWindow {
            app: m.app,
            slices,
            total_samples: m.total_samples,
            max_error_samples: m.max_error_samples,
            functions,
        });
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
