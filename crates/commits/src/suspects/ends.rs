//! Which refs a regression's range runs between (docs/regressions.md#the-change-that-caused-it):
//! the code of the slices before its change point and of the newest slices after it, as their
//! `service_git_ref` values name it; an app whose slices name none falls back to its version values
//! (a tag or a commit, maybe).

use pf_model::trend::SliceSummary;

/// The two ends of a regression's range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeEnds {
    /// The ref of the last slice before the change point that names one.
    pub from: String,
    /// The ref of the newest slice after it that names one.
    pub to: String,
    /// Whether the ends are version values: no slice named a `service_git_ref`.
    pub from_versions: bool,
}

/// The ends of the range of a change at `changed_at` in `history` (oldest first); `None` when
/// the slices on either side name no ref. A change point is placed to within a slice, so the
/// slice on either side of it may already run the other code: `from` is the last ref of the
/// reference window, the slices before that one, and `to` the newest ref of the confirmation
/// window, the slices after the one that follows it — the range holds the culprit wherever in
/// that margin the change point lands (docs/regressions.md#the-change-that-caused-it). Where a
/// side has no slice beyond the margin, the slices next to the change point stand in. A slice
/// that names several refs (a rolling deploy) gives the value the other side does not name.
pub fn range_ends(history: &[SliceSummary], changed_at: i64) -> Option<RangeEnds> {
    let from_versions = history.iter().all(|s| s.refs.is_empty());
    let values = |s: &SliceSummary| -> Vec<String> {
        if from_versions {
            s.versions.clone()
        } else {
            s.refs.clone()
        }
    };
    let step = history
        .windows(2)
        .map(|w| w[1].start - w[0].start)
        .filter(|d| *d > 0)
        .min()
        .unwrap_or(0);
    let newest = |keep: &dyn Fn(i64) -> bool| {
        history
            .iter()
            .rev()
            .filter(|s| keep(s.start))
            .map(values)
            .find(|v| !v.is_empty())
    };
    let before = newest(&|start| start < changed_at - step)
        .or_else(|| newest(&|start| start < changed_at))?;
    let after = newest(&|start| start >= changed_at + step)
        .or_else(|| newest(&|start| start >= changed_at))?;
    RangeEnds::between(&before, &after, from_versions)
}

impl RangeEnds {
    /// The ends between the values named `before` and `after` a change: on each side the value
    /// the other side does not name (a rolling deploy's slice names both), else its first;
    /// `None` when a side names none.
    pub fn between(before: &[String], after: &[String], from_versions: bool) -> Option<Self> {
        let pick = |side: &[String], other: &[String]| {
            side.iter()
                .find(|v| !other.contains(v))
                .or_else(|| side.first())
                .cloned()
        };
        Some(RangeEnds {
            from: pick(before, after)?,
            to: pick(after, before)?,
            from_versions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{range_ends, RangeEnds};
    use pf_model::trend::SliceSummary;

    fn slice(start: i64, versions: &[&str], refs: &[&str]) -> SliceSummary {
        let owned = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        SliceSummary::of(start, 10, owned(versions), Vec::new(), 10).with_refs(owned(refs))
    }

    #[test]
    fn the_range_runs_from_the_last_ref_before_the_change_to_the_newest_after_it() {
        let history = [
            slice(0, &["1.0"], &["aaa"]),
            slice(60, &["1.0"], &[]),
            slice(120, &["1.0", "1.1"], &["aaa", "bbb"]),
            slice(180, &["1.1"], &["bbb"]),
            slice(240, &["1.1"], &[]),
        ];
        let ends = |at| range_ends(&history, at);
        let expect = |from: &str, to: &str| RangeEnds {
            from: from.into(),
            to: to.into(),
            from_versions: false,
        };
        // The rolling deploy's slice names both: the value the other side lacks is taken.
        assert_eq!(ends(180), Some(expect("aaa", "bbb")));
        assert_eq!(ends(120), Some(expect("aaa", "bbb")));
        // Half a slice past the rolling slice, the margin still holds it.
        assert_eq!(ends(150), Some(expect("aaa", "bbb")));
        // No slice before the change, or none after it, names a ref.
        assert_eq!(ends(0), None);
        assert_eq!(ends(300), None);
    }

    /// A deploy whose first profile is in the slice at 300: before it every slice runs `aaa`,
    /// from it on `bbb`. The change point lands on that slice, one after it or one before it.
    #[test]
    fn the_range_holds_the_deploy_when_the_change_point_is_a_slice_off() {
        let history: Vec<SliceSummary> = (0..12)
            .map(|k| {
                let git_ref = if k < 5 { "aaa" } else { "bbb" };
                slice(k * 60, &[], &[git_ref])
            })
            .collect();
        let expect = Some(RangeEnds {
            from: "aaa".into(),
            to: "bbb".into(),
            from_versions: false,
        });
        for changed_at in [240, 300, 360] {
            assert_eq!(range_ends(&history, changed_at), expect, "at {changed_at}");
        }
        // Two slices late, the slices before the margin run the new code already: one ref on
        // both sides, which the range says (same_ref) rather than naming nothing silently.
        let late = range_ends(&history, 420).unwrap();
        assert_eq!((late.from.as_str(), late.to.as_str()), ("bbb", "bbb"));
    }

    #[test]
    fn versions_stand_in_when_no_slice_names_a_git_ref() {
        let history = [slice(0, &["v1.4.1"], &[]), slice(60, &["v1.4.2"], &[])];
        assert_eq!(
            range_ends(&history, 60),
            Some(RangeEnds {
                from: "v1.4.1".into(),
                to: "v1.4.2".into(),
                from_versions: true,
            })
        );
        let unlabelled = [slice(0, &[], &[]), slice(60, &[], &[])];
        assert_eq!(range_ends(&unlabelled, 60), None);
    }
}
