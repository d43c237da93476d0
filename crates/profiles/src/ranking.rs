//! From a parsed flame graph to the ranked answer (pure): shares from integer counts, at most
//! `limit` functions.

use std::collections::HashMap;
use std::sync::Arc;

use super::model::{
    DiffTrees, Profile, ProfileDiff, ProfileDiffQuery, ProfileQuery, ProfileWindow, WindowPart,
};
use pf_formats::formats::flamegraph::FlameGraphStats;
use pf_model::{saturate, FunctionStat, LabelSelector, TimeWindow};

/// A window's parts as read (docs/api.md#how-sure-is-a-diff): each part's bounds and flame graph,
/// or why there are none; `None` when they were not asked for.
pub type PartsRead = Option<Result<Vec<(TimeWindow, Arc<FlameGraphStats>)>, String>>;

/// The `limit` highest-ranked functions of `stats`.
pub fn ranked(stats: &FlameGraphStats, limit: u32) -> Vec<FunctionStat> {
    let limit: usize = saturate(limit);
    stats
        .functions
        .iter()
        .take(limit)
        .map(|f| FunctionStat {
            name: f.name.clone(),
            self_percent: stats.self_percent(f),
            self_samples: f.self_samples,
            total_samples: f.total_samples,
            part_self_samples: Vec::new(),
        })
        .collect()
}

/// One window of a diff: its totals, its `limit` highest-ranked functions, and its parts when
/// they were read, each listed function with its self samples per part.
pub fn profile_window(
    stats: &FlameGraphStats,
    window: TimeWindow,
    labels: &LabelSelector,
    limit: u32,
    parts: &PartsRead,
) -> ProfileWindow {
    let mut functions = ranked(stats, limit);
    let (parts, parts_unavailable) = match parts {
        None => (None, None),
        Some(Err(reason)) => (None, Some(reason.clone())),
        Some(Ok(parts)) => {
            let per_part: Vec<HashMap<&str, u64>> = parts
                .iter()
                .map(|(_, p)| {
                    p.functions
                        .iter()
                        .map(|f| (f.name.as_str(), f.self_samples))
                        .collect()
                })
                .collect();
            for f in &mut functions {
                f.part_self_samples = per_part
                    .iter()
                    .map(|p| p.get(f.name.as_str()).copied().unwrap_or(0))
                    .collect();
            }
            let bounds = parts
                .iter()
                .map(|(w, p)| WindowPart {
                    from: w.from,
                    to: w.to,
                    total_samples: p.total_samples,
                })
                .collect();
            (Some(bounds), None)
        }
    };
    ProfileWindow {
        from: window.from,
        to: window.to,
        labels: labels.clone(),
        total_samples: stats.total_samples,
        truncated_percent: stats.truncated_percent(),
        functions,
        parts,
        parts_unavailable,
    }
}

/// The answer to `query` from the ranked flame graph of series `id`, as every source gives it.
pub fn profile_answer(query: ProfileQuery, id: String, stats: &FlameGraphStats) -> Profile {
    Profile {
        app_name: query.app.into_inner(),
        profile_type: query.profile_type,
        from: query.window.from,
        to: query.window.to,
        labels: query.labels,
        profile_type_id: id,
        total_samples: stats.total_samples,
        truncated_percent: stats.truncated_percent(),
        functions: ranked(stats, query.limit),
        partial: None,
    }
}

/// Both windows of a diff as a source read them: the series, the whole windows, their parts.
pub struct DiffRead {
    pub id: String,
    pub whole: (Arc<FlameGraphStats>, Arc<FlameGraphStats>),
    pub parts: (PartsRead, PartsRead),
}

impl DiffRead {
    /// The answer to `query`: both windows ranked, with their parts when read.
    pub fn answer(&self, query: ProfileDiffQuery) -> ProfileDiff {
        let (baseline, current) = &self.whole;
        let (baseline_parts, current_parts) = &self.parts;
        ProfileDiff {
            profile_type_id: self.id.clone(),
            baseline: profile_window(
                baseline,
                query.baseline,
                &query.baseline_labels,
                query.limit,
                baseline_parts,
            ),
            current: profile_window(
                current,
                query.current,
                &query.current_labels,
                query.limit,
                current_parts,
            ),
            app_name: query.app.into_inner(),
            profile_type: query.profile_type,
        }
    }

    /// Both windows' call trees.
    pub fn trees(&self) -> DiffTrees {
        DiffTrees {
            baseline: self.whole.0.tree.clone(),
            current: self.whole.1.tree.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pf_formats::formats::flamegraph::FunctionSamples;

    #[test]
    fn ranking_keeps_the_order_and_computes_self_percent() {
        let stats = FlameGraphStats {
            total_samples: 400,
            truncated_samples: 30,
            functions: [("java/util/HashMap.resize", 120, 150), ("other", 30, 30)]
                .map(|(name, self_samples, total_samples)| FunctionSamples {
                    name: name.into(),
                    self_samples,
                    total_samples,
                })
                .to_vec(),
            ..FlameGraphStats::default()
        };
        let all = ranked(&stats, 50);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].name, "java/util/HashMap.resize");
        assert_eq!(all[0].self_percent, 30.0);
        assert_eq!(all[1].name, "other");
        assert_eq!(all[1].self_percent, 7.5);
        assert_eq!(ranked(&stats, 1).len(), 1);
        let window = profile_window(
            &stats,
            TimeWindow::new(10, 20).unwrap(),
            &LabelSelector::default(),
            5,
            &None,
        );
        assert_eq!(window.truncated_percent, 7.5);
        assert_eq!(window.total_samples, 400);
    }
}
