//! The test of two windows (docs/regressions.md): shares, threshold, the Benjamini–Hochberg family
//! of the newest summary, and the suspicions it raises.

use std::collections::HashSet;
use std::ops::Range;

use pf_model::significance::{benjamini_hochberg, delta, delta_p_value, ShareEstimate};
use pf_model::trend::SliceSummary;

use super::index::SeriesIndex;
use crate::model::{Change, DetectorSettings, Finding};

/// The windows cut at row `cut`: the `reference` rows before it and the rows from it to `end`.
/// A deploy's slice that ran old and new code together ([`SeriesIndex::mixed`]) at the cut
/// (at `cut`, or just before it) belongs to neither window: the before window ends before it
/// and the after window starts after it.
pub(super) fn windows(
    index: &SeriesIndex<'_>,
    cut: usize,
    reference: usize,
    end: usize,
) -> Option<(Range<usize>, Range<usize>)> {
    let (before_end, after_start) = if index.mixed(cut) {
        (cut, cut + 1)
    } else if cut > 0 && index.mixed(cut - 1) {
        (cut - 1, cut)
    } else {
        (cut, cut)
    };
    Some((
        before_end.checked_sub(reference)?..before_end,
        after_start..end.max(after_start),
    ))
}

/// One function's share estimates in a before and an after window.
#[derive(Debug, Clone, Copy)]
pub(super) struct Measured {
    pub(super) before: ShareEstimate,
    pub(super) after: ShareEstimate,
}

impl Measured {
    /// The estimates of `selfs` over two windows; None when one has under 2 slices.
    pub(super) fn of(
        index: &SeriesIndex<'_>,
        selfs: &[u64],
        (before, after): (Range<usize>, Range<usize>),
    ) -> Option<Self> {
        Some(Measured {
            before: index.estimate(selfs, before)?,
            after: index.estimate(selfs, after)?,
        })
    }

    /// before% = 100·p_before.
    pub(super) fn before_percent(&self) -> f64 {
        100.0 * self.before.share
    }

    /// Δ = 100·(p_after − p_before), in percentage points.
    pub(super) fn delta_points(&self) -> f64 {
        100.0 * (self.after.share - self.before.share)
    }

    /// True when Δ ≥ min_delta_points and the cost ratio ≥ 1 + min_relative (docs/regressions.md):
    /// big enough for an event, at suspicion and at confirmation alike.
    pub(super) fn exceeds(&self, settings: &DetectorSettings) -> bool {
        settings.big_enough(self.before_percent(), 100.0 * self.after.share)
    }

    /// t = Δ/se with se = 100·√(v_before + v_after) (docs/api.md#how-sure-is-a-diff);
    /// ±∞ when se = 0 and Δ ≠ 0, 0 when Δ = 0.
    pub(super) fn t(&self) -> f64 {
        let delta = self.delta_points();
        let std_error = 100.0 * (self.before.variance + self.after.variance).sqrt();
        if std_error > 0.0 {
            delta / std_error
        } else if delta == 0.0 {
            0.0
        } else {
            // No noise at all: any change is infinitely far from none.
            f64::INFINITY.copysign(delta)
        }
    }

    /// Welch's two-sided p-value 2·(1 − F_t(|Δ|/se; df)) of docs/api.md#how-sure-is-a-diff;
    /// NaN (a test not made) if none.
    pub(super) fn p_value(&self) -> f64 {
        delta_p_value(self.before, self.after).unwrap_or(f64::NAN)
    }

    /// The finding of `function` with its after window starting at `changed_at`.
    pub(super) fn finding(&self, function: &str, changed_at: i64) -> Option<Finding> {
        let d = delta(self.before, self.after)?;
        Some(Finding {
            function: function.to_owned(),
            changed_at,
            before_percent: self.before_percent(),
            after_percent: 100.0 * self.after.share,
            delta_percent: d.delta,
            low: d.low,
            high: d.high,
            p_value: d.p_value,
            leak: None,
        })
    }
}

/// The row of a deploy the normal cut passed less than `recent + confirm` rows ago: the newest
/// row that names code (refs, else versions) the row before it did not. Until then the test is
/// held at the deploy, its after window growing, instead of sliding past it: a step at a deploy
/// gets `confirm` more looks with all its slices after it, rather than one with a deploy's
/// partial slice and whatever gap followed (docs/regressions.md, "Held at a deploy"). A deploy with no
/// reference window before it is not held.
fn held_at_deploy(
    index: &SeriesIndex<'_>,
    cut: usize,
    settings: &DetectorSettings,
) -> Option<usize> {
    let reach = settings.recent_slices + settings.confirm_slices;
    let oldest = cut
        .saturating_sub(reach)
        .max(settings.reference_slices.max(1));
    (oldest..cut).rev().find(|&row| index.deploys(row))
}

/// A function of the newest summary, tested with the normal windows of this call.
struct Member<'a> {
    name: &'a str,
    measured: Option<Measured>,
}

/// The Benjamini–Hochberg family: every function kept in the newest summary.
pub(super) struct Family<'a> {
    members: Vec<Member<'a>>,
    /// Aligned with `members`; computed only once a decision needs them.
    p_values: Option<Vec<f64>>,
    fdr: f64,
    newest: i64,
    /// Start of the first recent slice, when the history holds enough slices for the test.
    first_recent: Option<i64>,
}

impl<'a> Family<'a> {
    /// The newest summary's functions measured over the last `reference + recent` slices.
    pub(super) fn normal(
        index: &SeriesIndex<'a>,
        newest: &'a SliceSummary,
        settings: &DetectorSettings,
    ) -> Self {
        let rows = index.rows();
        let recent = settings.recent_slices;
        let cut = rows
            .checked_sub(recent)
            .filter(|&cut| cut.checked_sub(settings.reference_slices).is_some())
            .map(|cut| held_at_deploy(index, cut, settings).unwrap_or(cut));
        let windows = cut.and_then(|cut| windows(index, cut, settings.reference_slices, rows));
        let mut seen = HashSet::with_capacity(newest.functions.len());
        let members = newest
            .functions
            .iter()
            .filter(|f| seen.insert(f.name.as_str()))
            .map(|f| {
                let selfs = index.selfs(index.column(&f.name));
                Member {
                    name: f.name.as_str(),
                    measured: windows.clone().and_then(|w| Measured::of(index, selfs, w)),
                }
            })
            .collect();
        Family {
            members,
            p_values: None,
            fdr: settings.fdr,
            newest: newest.start,
            first_recent: cut.and_then(|cut| index.start(cut)),
        }
    }

    fn p_values(&mut self) -> &[f64] {
        let members = &self.members;
        self.p_values.get_or_insert_with(|| {
            members
                .iter()
                .map(|m| m.measured.map_or(f64::NAN, |m| m.p_value()))
                .collect()
        })
    }

    /// Whether `function`, tested with p-value `p` instead of its normal windows, is
    /// significant by Benjamini–Hochberg at `fdr` in this family (joining it if not a member).
    pub(super) fn significant_with(&mut self, function: &str, p: f64) -> bool {
        let fdr = self.fdr;
        let position = self.members.iter().position(|m| m.name == function);
        let mut p_values = self.p_values().to_vec();
        let at = match position {
            Some(i) => i,
            None => {
                p_values.push(f64::NAN);
                p_values.len() - 1
            }
        };
        if let Some(slot) = p_values.get_mut(at) {
            *slot = p;
        }
        benjamini_hochberg(&p_values, fdr)
            .get(at)
            .copied()
            .unwrap_or(false)
    }

    /// The new suspicions, by function name: significant, Δ ≥ threshold, no open event.
    pub(super) fn suspicions(
        &mut self,
        blocked: &HashSet<&str>,
        settings: &DetectorSettings,
    ) -> Vec<Change> {
        let Some(first_recent) = self.first_recent else {
            return Vec::new();
        };
        let candidates: Vec<usize> = self
            .members
            .iter()
            .enumerate()
            .filter(|(_, m)| {
                !blocked.contains(m.name) && m.measured.is_some_and(|x| x.exceeds(settings))
            })
            .map(|(i, _)| i)
            .collect();
        // Most calls end here: without a big enough delta, no p-value can make a suspicion.
        if candidates.is_empty() {
            return Vec::new();
        }
        let fdr = self.fdr;
        let significant = benjamini_hochberg(self.p_values(), fdr);
        let newest = self.newest;
        let mut changes: Vec<(&str, Change)> = candidates
            .into_iter()
            .filter(|&i| significant.get(i).copied().unwrap_or(false))
            .filter_map(|i| {
                let m = self.members.get(i)?;
                let finding = m.measured?.finding(m.name, first_recent)?;
                let change = Change::Suspected {
                    suspected_at: newest,
                    first_recent,
                    finding,
                };
                Some((m.name, change))
            })
            .collect();
        changes.sort_by(|a, b| a.0.cmp(b.0));
        changes.into_iter().map(|(_, change)| change).collect()
    }
}
