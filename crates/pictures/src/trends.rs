//! An app's trend (`/trends/{appName}?format=svg`, the triage page) as a line chart of self
//! shares, a dashed mark where a version value first appears.

use super::trend::{trend_svg, MarkKind, TrendChart, TrendLine, TrendMark};
use pf_model::trend_view::Trends;

/// The trend as an SVG line chart of self shares.
pub fn trends_svg(trends: &Trends) -> String {
    trends_svg_marked(trends, None)
}

/// [`trends_svg`], with a regression's change point (a slice start) marked too.
pub fn trends_svg_marked(trends: &Trends, change_point: Option<i64>) -> String {
    let changes: Vec<(i64, String)> = change_point
        .map(|at| (at, "change point".to_owned()))
        .into_iter()
        .collect();
    trends_svg_changes(trends, &changes)
}

/// [`trends_svg`], with each of `changes` (a change point, a slice start, and its text) marked
/// at the first slice from it on: an app's regressions on its trend page.
pub fn trends_svg_changes(trends: &Trends, changes: &[(i64, String)]) -> String {
    let starts: Vec<i64> = trends.slices.iter().map(|s| s.start).collect();
    let title = format!("{} · {}", trends.app_name, trends.profile_type);
    let subtitle = format!(
        "self share per {}-second slice, {} slices",
        trends.slice_seconds,
        starts.len()
    );
    trend_svg(&TrendChart {
        title: &title,
        subtitle: &subtitle,
        starts: &starts,
        lines: trends
            .series
            .iter()
            .map(|s| TrendLine {
                label: &s.function,
                values: &s.self_percent,
            })
            .collect(),
        fits: Vec::new(),
        unit: "%",
        marks: {
            let mut marks = version_marks(trends);
            for (at, text) in changes {
                if let Some(index) = trends.slices.iter().position(|s| s.start >= *at) {
                    marks.push(TrendMark {
                        index,
                        text: text.clone(),
                        kind: MarkKind::Change,
                    });
                }
            }
            marks
        },
    })
}

/// A mark at each slice where a version not seen in an earlier slice of the window appears
/// (none on the first slice: what ran before the window is unknown).
fn version_marks(trends: &Trends) -> Vec<TrendMark> {
    let mut seen: Vec<&str> = Vec::new();
    let mut marks = Vec::new();
    for (index, slice) in trends.slices.iter().enumerate() {
        let new: Vec<&str> = slice
            .versions
            .iter()
            .map(String::as_str)
            .filter(|v| !seen.contains(v))
            .collect();
        if index > 0 && !new.is_empty() {
            marks.push(TrendMark {
                index,
                text: format!("version {}", new.join(", ")),
                kind: MarkKind::Version,
            });
        }
        seen.extend(new);
    }
    marks
}

/// A line fitted to one function's values: its level at `from` and its slope per second,
/// drawn from `from` to `through` (slice starts, epoch seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FittedLine {
    pub from: i64,
    pub through: i64,
    pub level: f64,
    pub per_second: f64,
}

/// `function`'s values in `trends` (in-use bytes) as a chart in MiB, with `fit` dashed over
/// them and `since` marked: a leak's picture (docs/regressions.md#memory-that-only-grows).
pub fn memory_svg(trends: &Trends, function: &str, fit: FittedLine, since: i64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    let starts: Vec<i64> = trends.slices.iter().map(|s| s.start).collect();
    let values: Vec<Option<f64>> = trends
        .series
        .iter()
        .find(|s| s.function == function)
        .map(|s| {
            s.self_samples
                .iter()
                .map(|v| v.map(|b| b as f64 / MIB))
                .collect()
        })
        .unwrap_or_else(|| vec![None; starts.len()]);
    let fitted: Vec<Option<f64>> = starts
        .iter()
        .map(|&t| {
            (fit.from..=fit.through)
                .contains(&t)
                .then(|| (fit.level + fit.per_second * (t - fit.from) as f64) / MIB)
        })
        .collect();
    let title = format!("{} · {}", trends.app_name, trends.profile_type);
    let subtitle = format!(
        "in-use MiB of {function} per {}-second slice, the fitted line dashed",
        trends.slice_seconds
    );
    let marks = starts
        .iter()
        .position(|&s| s >= since)
        .map(|index| TrendMark {
            index,
            text: "growing since".to_owned(),
            kind: MarkKind::Change,
        })
        .into_iter()
        .collect();
    trend_svg(&TrendChart {
        title: &title,
        subtitle: &subtitle,
        starts: &starts,
        lines: vec![TrendLine {
            label: function,
            values: &values,
        }],
        fits: vec![TrendLine {
            label: function,
            values: &fitted,
        }],
        marks,
        unit: " MiB",
    })
}
