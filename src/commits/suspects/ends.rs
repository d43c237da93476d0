//! Which refs a regression's range runs between (SPEC §21): the code of the slices before its
//! change point and of the newest slices after it, as their `service_git_ref` values name it;
//! an app whose slices name none falls back to its version values (a tag or a commit, maybe).

use crate::model::trend::SliceSummary;

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
/// the slices on either side name no ref. A slice that names several (a rolling deploy) gives
/// the value the other side does not name.
pub fn range_ends(history: &[SliceSummary], changed_at: i64) -> Option<RangeEnds> {
    let from_versions = history.iter().all(|s| s.refs.is_empty());
    let values = |s: &SliceSummary| -> Vec<String> {
        if from_versions {
            s.versions.clone()
        } else {
            s.refs.clone()
        }
    };
    let before = history
        .iter()
        .rev()
        .filter(|s| s.start < changed_at)
        .map(values)
        .find(|v| !v.is_empty())?;
    let after = history
        .iter()
        .rev()
        .filter(|s| s.start >= changed_at)
        .map(values)
        .find(|v| !v.is_empty())?;
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
    use crate::model::trend::SliceSummary;

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
        // No slice before the change, or none after it, names a ref.
        assert_eq!(ends(0), None);
        assert_eq!(ends(300), None);
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
