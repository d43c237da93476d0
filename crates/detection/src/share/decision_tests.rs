//! Unit tests of the decisions on open events and of their explanations, on hand-made series.

use pf_model::trend::SliceSummary;
use pf_model::{SliceSecs, Slices};

use super::explain::{cost_shift, version_change};
use super::index::SeriesIndex;
use super::tests::{event, series, slice};
use super::*;

/// Slices at 0, 300, … with the given version values and nothing else.
fn versioned(values: &[&[&str]]) -> Vec<SliceSummary> {
    values
        .iter()
        .enumerate()
        .map(|(k, v)| SliceSummary {
            versions: v.iter().map(|s| (*s).to_owned()).collect(),
            refs: Vec::new(),
            ..slice(k, 1000, &[])
        })
        .collect()
}

fn version(before: Option<&str>, after: &str) -> Option<VersionChange> {
    Some(VersionChange {
        before: before.map(str::to_owned),
        after: after.to_owned(),
    })
}

#[test]
fn a_version_first_seen_within_one_slice_of_the_change_is_the_deploy() {
    // Change at 900 (slice 3). A rolling deploy shows 1.1 first in slice 2 (600 = 900 − 300),
    // beside 1.0: before is the last slice before 900 (slice 2) without the new value.
    let rolling = versioned(&[&["1.0"], &["1.0"], &["1.0", "1.1"], &["1.1"], &["1.1"]]);
    assert_eq!(
        version_change(&rolling, 900, SliceSecs::FIVE_MINUTES),
        version(Some("1.0"), "1.1")
    );
    // Two new values in the first slice that shows any: the smallest.
    let two = versioned(&[&["1.0"], &["1.0"], &["1.0"], &["2.0", "1.5"], &["2.0"]]);
    assert_eq!(
        version_change(&two, 900, SliceSecs::FIVE_MINUTES),
        version(Some("1.0"), "1.5")
    );
    // Several old values before: joined by commas. None at all before: no before.
    let mixed = versioned(&[&["a"], &["a", "b"], &["a", "b"], &["c"], &["c"]]);
    assert_eq!(
        version_change(&mixed, 900, SliceSecs::FIVE_MINUTES),
        version(Some("a,b"), "c")
    );
    let unlabelled = versioned(&[&[], &[], &[], &["1.0"], &["1.0"]]);
    assert_eq!(
        version_change(&unlabelled, 900, SliceSecs::FIVE_MINUTES),
        version(None, "1.0")
    );
    // The change point estimated a slice after the deploy (1200; 2.0 appeared at 900): before
    // is what ran before the deploy, not the deploy's slice.
    let late = versioned(&[&["1.0"], &["1.0"], &["1.0"], &["2.0"], &["2.0"], &["2.0"]]);
    assert_eq!(
        version_change(&late, 1200, SliceSecs::FIVE_MINUTES),
        version(Some("1.0"), "2.0")
    );
}

#[test]
fn a_version_seen_before_or_too_far_from_the_change_is_not_the_deploy() {
    // 0.9 comes back at the change (a rollback to a known value): not new.
    let old = versioned(&[&["0.9"], &["1.0"], &["1.0"], &["0.9"], &["0.9"]]);
    assert_eq!(version_change(&old, 900, SliceSecs::FIVE_MINUTES), None);
    // 1.1 first appears at 1500, two slices after the change at 900.
    let late = versioned(&[&["1.0"], &["1.0"], &["1.0"], &["1.0"], &["1.0"], &["1.1"]]);
    assert_eq!(version_change(&late, 900, SliceSecs::FIVE_MINUTES), None);
    // The first slice of the history has nothing before it to be new against.
    let first = versioned(&[&["1.0"], &["1.0"]]);
    assert_eq!(version_change(&first, 0, SliceSecs::FIVE_MINUTES), None);
    assert_eq!(version_change(&[], 0, SliceSecs::FIVE_MINUTES), None);
}

#[test]
fn a_cost_shift_names_the_loser_closest_to_the_delta() {
    // Two slices before, two after, totals 1000; "new" goes 0 → 2.8 %, so Δ = 2.8 and a loss
    // must be ≥ 80 % of the loser's before share and within 0.25 × 2.8 = 0.7 of 2.8.
    // g1 loses 3.0 (all of it, gap 0.2), g2 2.7 (all, gap 0.1), g3 2.8 but only half of its
    // 5.6, g4 4.0 (gap 1.2): g2, then g1 once g2 is gone.
    let shift = |with_g2: bool| -> Option<String> {
        let rows: Vec<SliceSummary> = (0..4)
            .map(|k| {
                let before = k < 2;
                let pick = |b: u64, a: u64| if before { b } else { a };
                let mut functions = vec![
                    ("new", pick(0, 28)),
                    ("g1", pick(30, 0)),
                    ("g3", pick(56, 28)),
                    ("g4", pick(40, 0)),
                ];
                if with_g2 {
                    functions.push(("g2", pick(27, 0)));
                }
                functions.retain(|&(_, count)| count > 0);
                slice(k, 1000, &functions)
            })
            .collect();
        let index = SeriesIndex::new(&rows, 100);
        cost_shift(&index, index.column("new"), (0..2, 2..4), 2.8)
    };
    assert_eq!(shift(true).as_deref(), Some("g2"));
    assert_eq!(shift(false).as_deref(), Some("g1"));
}

/// 40 slices of 1 000 samples: "base" 500, "x" 10 (1 %) except `rows_x` given from row 34 on.
fn tail(last: [u64; 6]) -> Vec<SliceSummary> {
    (0..40)
        .map(|k| {
            let x = if k < 34 { 10 } else { last[k - 34] };
            slice(k, 1000, &[("base", 500), ("x", x)])
        })
        .collect()
}

fn confirmed_x(confirmed_at: i64) -> OpenEvent {
    OpenEvent {
        id: 9,
        function: "x".into(),
        state: EventState::Confirmed,
        suspected_at: 0,
        first_recent: 0,
        changed_at: 0,
        before_percent: 1.0,
        confirmed_at: Some(confirmed_at),
    }
}

#[test]
fn a_confirmed_regression_resolves_when_each_of_the_last_three_slices_is_back() {
    let settings = DetectorSettings::default();
    // before 1 %: threshold max(1, 0.2) = 1, so back means ≤ 1 + 1/2 = 1.5 % in each of the
    // last 3 slices (rows 37–39, starts 11 100–11 700), all after the confirmation.
    let back = tail([40, 40, 40, 12, 14, 15]);
    let changes = examine(&back, &[confirmed_x(10_800)], &settings);
    let [Change::Resolved {
        id: 9,
        at: 11_700,
        share_percent,
    }] = changes.as_slice()
    else {
        panic!("{changes:?}");
    };
    // (12 + 14 + 15) / 3000 = 1.3667 %.
    assert!(
        (share_percent - 41.0 / 30.0).abs() < 1e-9,
        "{share_percent}"
    );
    // One slice at 1.6 % is not back; nor is a slice at or before the confirmation.
    let one_high = tail([40, 40, 40, 12, 16, 15]);
    assert_eq!(examine(&one_high, &[confirmed_x(10_800)], &settings), []);
    assert_eq!(examine(&back, &[confirmed_x(11_100)], &settings), []);
}

#[test]
fn decisions_come_first_by_id_and_block_their_functions_in_the_same_call() {
    let settings = DetectorSettings::default();
    // 46 slices; a, b, c rise exactly from 1 % to 5 % at row 34 (start 10 200) and stay; d
    // rises there too and is back at 1 % from row 37 on; e too, back from row 43 on.
    let history: Vec<SliceSummary> = (0..46)
        .map(|k| {
            let x = if k < 34 { 10 } else { 50 };
            let d = if (34..37).contains(&k) { 50 } else { 10 };
            let e = if (34..43).contains(&k) { 50 } else { 10 };
            slice(k, 1000, &[("a", x), ("b", x), ("c", x), ("d", d), ("e", e)])
        })
        .collect();
    let suspected = |id: i64, function: &str, suspected_at: i64| OpenEvent {
        id,
        function: function.into(),
        state: EventState::Suspected,
        suspected_at,
        first_recent: 10_200,
        changed_at: 10_200,
        before_percent: 1.0,
        confirmed_at: None,
    };
    let open = [
        // c: suspected at the newest slice: no slice after it yet, not decided.
        suspected(2, "c", 13_500),
        // d: back for 9 slices, its 3 at 5 % are bursts beside them (1.5 times their median
        // of 1 % and more), and without them it did not rise: gone.
        suspected(7, "d", 12_000),
        // e: 9 slices at 5 %, then 3 under before% + half its threshold. Not confirmed, as it
        // does not hold now, but its step (4 % on average) is still big enough: still suspected.
        suspected(8, "e", 12_000),
        // a: its step has held 12 ≥ 6 + 3 slices, its CUSUM far above the threshold.
        suspected(3, "a", 11_400),
    ];
    let changes = examine(&history, &open, &settings);
    let [Change::Confirmed(Confirmation {
        id: 3,
        at: 13_500,
        finding,
        kind: EventKind::Regression,
        shifted_from: None,
        version: None,
    }), Change::WentAway {
        id: 7,
        finding: gone,
        ..
    }, Change::Suspected { finding: new, .. }] = changes.as_slice()
    else {
        panic!("{changes:#?}");
    };
    // The step starts at row 34; exact counts: 1 % before, 5 % after.
    assert_eq!((finding.changed_at, new.function.as_str()), (10_200, "b"));
    assert_eq!((finding.before_percent, finding.after_percent), (1.0, 5.0));
    // d's step is measured to the newest slice: 3 slices at 5 % and 9 at 1 %, 2 % on average.
    assert_eq!(gone.changed_at, 10_200);
    assert!((gone.after_percent - 2.0).abs() < 1e-9, "{gone:?}");
}

#[test]
fn zero_totals_and_nan_settings_do_not_panic() {
    let empty: Vec<SliceSummary> = (0..40).map(|k| slice(k, 0, &[])).collect();
    let open = [
        event(1, "a", EventState::Suspected, 30 * 300),
        event(2, "b", EventState::Confirmed, 30 * 300),
    ];
    let changes = examine(&empty, &open, &DetectorSettings::default());
    // "a": share 0 before and after, Δ 0: not a regression. "b": 0 % is back under 1.5 %.
    assert!(
        matches!(changes[0], Change::WentAway { id: 1, .. }),
        "{changes:?}"
    );
    assert!(
        matches!(changes[1], Change::Resolved { id: 2, .. }),
        "{changes:?}"
    );
    let nan = DetectorSettings {
        cusum_threshold: f64::NAN,
        cusum_drift: f64::NAN,
        min_delta_points: f64::NAN,
        min_relative: f64::NAN,
        reference_slices: 0,
        recent_slices: 0,
        watched_slices: 0,
        confirm_slices: 0,
        top_functions: 0,
        slices: Slices {
            slice_secs: SliceSecs::new(i32::MAX as i64).unwrap(),
            lag_secs: 0,
        },
        settle_slices: 0,
    };
    let history = series(40, 30, &[("a", 11, 52)]);
    for settings in [nan, DetectorSettings::default()] {
        examine(&history, &open, &settings);
        examine(&empty, &open, &settings);
    }
}
