//! The apps' top functions a fleet answer ranks, where they came from, and what every answer of
//! the same tops computes from them once (the hotspot grouping).

use std::collections::HashMap;
use std::sync::OnceLock;

use super::report::{ErrorBound, FailedApp};
use super::scoring::{self, AppTop, HotspotScore};

/// What an answer from the summaries rests on.
pub(super) struct SummaryBasis {
    /// The slices read, ascending.
    pub(super) slices: Vec<i64>,
    /// Each app's bound.
    pub(super) bounds: HashMap<String, ErrorBound>,
}

/// The apps' top functions: where they came from, and the outcome sorted by app.
pub(super) struct Tops {
    pub(super) tops: Vec<AppTop>,
    pub(super) queried: usize,
    pub(super) failed: Vec<FailedApp>,
    pub(super) basis: Option<SummaryBasis>,
}

/// The apps' top functions of one window, and what every answer of it computes from them.
pub(super) struct FleetTops {
    pub(super) tops: Tops,
    /// Every hotspot group, ranked: made on first use, then shared.
    hotspots: OnceLock<Vec<HotspotScore>>,
}

impl FleetTops {
    pub(super) fn new(tops: Tops) -> Self {
        FleetTops {
            tops,
            hotspots: OnceLock::new(),
        }
    }

    /// About the bytes the window holds: each app's name and top functions (their names, their
    /// figures and parts), the failed apps; not the hotspot groups made from them.
    pub(super) fn heap_bytes(&self) -> usize {
        let function = |f: &pf_model::FunctionStat| {
            std::mem::size_of::<pf_model::FunctionStat>()
                + f.name.len()
                + f.part_self_samples.len() * std::mem::size_of::<u64>()
        };
        let apps: usize = self
            .tops
            .tops
            .iter()
            .map(|t| {
                std::mem::size_of_val(t)
                    + t.app.len()
                    + t.functions.iter().map(function).sum::<usize>()
            })
            .sum();
        apps + self.tops.failed.len() * 64
    }

    /// The `limit` first hotspot groups (`scoring::hotspots`), grouped once per window.
    pub(super) fn hotspots(&self, limit: usize) -> &[HotspotScore] {
        let all = self
            .hotspots
            .get_or_init(|| scoring::hotspots(&self.tops.tops, usize::MAX));
        &all[..limit.min(all.len())]
    }
}
