//! Unit tests of the detector on small hand-made series whose numbers are worked out by hand.

use pf_model::significance::{delta, share};
use pf_model::trend::{KeptFunction, SliceSummary};

use super::index::SeriesIndex;
use super::sequential::without_bursts;
use super::*;

/// Slice `k` (start 300·k) with `total` samples and the given kept functions.
pub(super) fn slice(k: usize, total: u64, functions: &[(&str, u64)]) -> SliceSummary {
    SliceSummary {
        start: 300 * k as i64,
        total_samples: total,
        versions: Vec::new(),
        refs: Vec::new(),
        functions: functions
            .iter()
            .map(|&(name, count)| KeptFunction::new(name.to_owned(), count, count))
            .collect(),
    }
}

/// `rows` slices of 1 000 samples: "base" 500, and each `(name, before, after)` with `before`
/// self samples until row `cut` and `after` from it on.
pub(super) fn series(rows: usize, cut: usize, rises: &[(&str, u64, u64)]) -> Vec<SliceSummary> {
    (0..rows)
        .map(|k| {
            let mut functions = vec![("base", 500)];
            functions.extend(
                rises
                    .iter()
                    .map(|&(n, b, a)| (n, if k < cut { b } else { a })),
            );
            slice(k, 1000, &functions)
        })
        .collect()
}

fn suspected_functions(changes: &[Change]) -> Vec<&str> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Suspected { finding, .. } => Some(finding.function.as_str()),
            _ => None,
        })
        .collect()
}

pub(super) fn event(id: i64, function: &str, state: EventState, suspected_at: i64) -> OpenEvent {
    OpenEvent {
        id,
        function: function.to_owned(),
        state,
        suspected_at,
        first_recent: suspected_at,
        changed_at: suspected_at,
        before_percent: 1.0,
        confirmed_at: None,
    }
}

#[test]
fn settings_default_to_the_documented_values_and_ask_for_549_slices() {
    let s = DetectorSettings::default();
    // 240 reference + 16 watched + a margin of 5 recent are tested, after a day of 288 whose
    // same hours show the shape of the series' day.
    assert_eq!(s.tested_slices(), 261);
    assert_eq!(s.day_slices(), 288);
    assert_eq!(s.history_slices(), 549);
    // A settled function's reference lies after its change point: 240 + 16 − (5 + 3).
    assert_eq!(s.settle_floor(), 248);
    // max(1, rise to r = 1.2): from 3 %, 100·(1.2·0.03/1.006 − 0.03) = 0.58 → 1; from 10 %,
    // 100·(0.12/1.02 − 0.1) = 1.7647 (docs/regressions.md; the old 0.2 × 10 = 2 for shares alone).
    assert_eq!(s.threshold(3.0), 1.0);
    assert!((s.threshold(10.0) - 1.764_706).abs() < 1e-6);
}

#[test]
fn states_and_kinds_read_back_their_names() {
    for state in [
        EventState::Suspected,
        EventState::Confirmed,
        EventState::WentAway,
        EventState::Resolved,
    ] {
        assert_eq!(state.as_str().parse(), Ok(state));
    }
    for kind in [EventKind::Regression, EventKind::CostShift] {
        assert_eq!(kind.as_str().parse(), Ok(kind));
    }
    assert_eq!(EventState::WentAway.as_str(), "went_away");
    assert_eq!(EventKind::CostShift.as_str(), "cost_shift");
    let unknown = "gone".parse::<EventState>();
    assert_eq!(unknown, Err(UnknownName("gone".into())));
}

#[test]
fn an_empty_history_gives_no_change() {
    let open = [event(1, "a", EventState::Suspected, 0)];
    assert_eq!(examine(&[], &open, &DetectorSettings::default()), []);
}

#[test]
fn fewer_slices_than_the_test_needs_suspect_nothing() {
    let settings = DetectorSettings::default();
    // "a" goes from 0 to 50 % at row 24: a short history is tested with 24 reference rows at
    // least, so 24 rows suspect nothing and 30 (six watched) suspect it at row 24.
    let history = series(30, 24, &[("a", 0, 500)]);
    assert_eq!(examine(&history[..24], &[], &settings), []);
    let changes = examine(&history, &[], &settings);
    assert_eq!(suspected_functions(&changes), ["a"]);
    let Some(Change::Suspected { finding, .. }) = changes.first() else {
        panic!("{changes:?}");
    };
    assert_eq!(
        (finding.changed_at, finding.before_percent),
        (24 * 300, 0.0)
    );
}

#[test]
fn an_exact_rise_is_suspected_with_hand_computed_numbers() {
    // Proportional counts have variance 0 (the exact case of docs/api.md#how-sure-is-a-diff):
    // before 11/1000 = 1.1 %, after 52/1000 = 5.2 %, delta 4.1 points, interval [4.1, 4.1],
    // p-value 0.
    let history = series(30, 24, &[("a", 11, 52), ("b", 30, 30)]);
    let changes = examine(&history, &[], &DetectorSettings::default());
    let [Change::Suspected {
        suspected_at,
        first_recent,
        finding,
    }] = changes.as_slice()
    else {
        panic!("{changes:?}");
    };
    assert_eq!((*suspected_at, *first_recent), (29 * 300, 24 * 300));
    assert_eq!(
        (finding.function.as_str(), finding.changed_at),
        ("a", 24 * 300)
    );
    let got = [
        finding.before_percent,
        finding.after_percent,
        finding.delta_percent,
        finding.low,
        finding.high,
    ];
    for (got, want) in got.into_iter().zip([1.1, 5.2, 4.1, 4.1, 4.1]) {
        assert!((got - want).abs() < 1e-9, "{finding:?}");
    }
    assert_eq!(finding.p_value, 0.0);
}

#[test]
fn a_noisy_rise_gets_the_numbers_of_the_section_14_test_on_its_windows() {
    let settings = DetectorSettings {
        reference_slices: 4,
        recent_slices: 3,
        ..DetectorSettings::default()
    };
    // The windows written out by hand: slices 1–4 before, 5–7 after (slice 0 is too old).
    let selfs = [99, 10, 12, 10, 12, 50, 54, 52];
    let history: Vec<SliceSummary> = selfs
        .iter()
        .enumerate()
        .map(|(k, &s)| slice(k, 1000, &[("base", 500), ("a", s)]))
        .collect();
    let before = share(&[1000; 4], &selfs[1..5]).expect("before");
    let after = share(&[1000; 3], &selfs[5..]).expect("after");
    let reference = delta(before, after).expect("delta");
    let changes = examine(&history, &[], &settings);
    let Some(Change::Suspected { finding, .. }) = changes.first() else {
        panic!("not suspected: {changes:?}");
    };
    let got = [
        finding.delta_percent,
        finding.low,
        finding.high,
        finding.p_value,
    ];
    let want = [
        reference.delta,
        reference.low,
        reference.high,
        reference.p_value,
    ];
    assert_eq!(got, want);
    // By hand: before 44/4000 = 1.1 %, after 156/3000 = 5.2 %.
    assert!((finding.after_percent - 5.2).abs() < 1e-9 && finding.p_value < 0.01);
}

#[test]
fn a_rise_below_the_threshold_is_not_suspected() {
    let settings = DetectorSettings::default();
    // Before 10 %: r = (a/(1−a))/(0.1/0.9) must reach 1.2. +1.7 is certain (exact counts)
    // but too small (11.7 %: r = 1.1925); +1.8 is enough (11.8 %: r = 1.2041).
    let small = series(30, 24, &[("a", 100, 117)]);
    assert_eq!(examine(&small, &[], &settings), []);
    let enough = series(30, 24, &[("a", 100, 118)]);
    assert_eq!(
        suspected_functions(&examine(&enough, &[], &settings)),
        ["a"]
    );
    // Before 55.7 % (docs/regressions.md): +6.3 points to 62.0 % is r = 0.62·0.443/(0.557·0.38) =
    // 1.2976, suspected though under 0.2 × 55.7 = 11.1 points; +4.3 to 60.0 % is r = 1.1930, not.
    let big = |after: u64| -> Vec<SliceSummary> {
        let at = |k: usize| if k < 24 { 557 } else { after };
        (0..30).map(|k| slice(k, 1000, &[("big", at(k))])).collect()
    };
    assert_eq!(
        suspected_functions(&examine(&big(620), &[], &settings)),
        ["big"]
    );
    assert_eq!(examine(&big(600), &[], &settings), []);
}

#[test]
fn a_function_with_an_open_event_is_not_suspected_again() {
    let history = series(30, 24, &[("a", 11, 52), ("b", 11, 52)]);
    // Event 1 on "a" was suspected at the newest slice: not due, and it blocks "a".
    let open = [event(1, "a", EventState::Suspected, 29 * 300)];
    let changes = examine(&history, &open, &DetectorSettings::default());
    assert_eq!(suspected_functions(&changes), ["b"]);
    assert_eq!(changes.len(), 1, "{changes:?}");
}

#[test]
fn an_absent_function_counts_zero_below_the_top_and_the_smallest_kept_at_it() {
    let full = slice(0, 1000, &[("a", 500), ("b", 300), ("c", 20)]);
    let partial = slice(1, 1000, &[("a", 500), ("b", 300)]);
    assert_eq!((full.upper_bound(3), partial.upper_bound(3)), (20, 0));
    assert_eq!(full.upper_bound(4), 0);
    let history = [full, partial.clone(), partial];
    let index = SeriesIndex::new(&history, 3);
    assert_eq!(index.selfs(index.column("c")), [20, 0, 0]);
    assert_eq!(index.selfs(index.column("never")), [20, 0, 0]);
    // Through the test, with top 3: "x" absent before, 25 of 1000 after. When the before slices
    // kept 3 functions, x counts 20 (2 %) there: +0.5 points, under the 1-point threshold.
    // When they kept 2, x counts 0: +2.5 points, suspected.
    let settings = DetectorSettings {
        top_functions: 3,
        ..DetectorSettings::default()
    };
    let build = |before: &[(&str, u64)]| -> Vec<SliceSummary> {
        (0..30)
            .map(|k| match k < 24 {
                true => slice(k, 1000, before),
                false => slice(k, 1000, &[("a", 500), ("b", 300), ("x", 25)]),
            })
            .collect()
    };
    let kept_three = build(&[("a", 500), ("b", 300), ("c", 20)]);
    assert_eq!(examine(&kept_three, &[], &settings), []);
    let kept_two = build(&[("a", 500), ("b", 300)]);
    assert_eq!(
        suspected_functions(&examine(&kept_two, &[], &settings)),
        ["x"]
    );
}

#[test]
fn every_burst_of_its_own_is_left_out_of_a_step_and_nothing_else() {
    // A +5-point step at 25 % with the stub's spread: the median is 0.25, the bar 0.375, and
    // every slice stays.
    let step = vec![0.27, 0.23, 0.25, 0.31, 0.24, 0.22, 0.26, 0.25];
    assert_eq!(without_bursts(step.clone()), step);
    // A 10 % function with two bursts (3 × 0.1/1.2 = 25 %): the median is (0.10 + 0.11)/2 =
    // 0.105, the bar 0.1575, and both bursts go.
    let bursts = vec![0.10, 0.25, 0.09, 0.11, 0.24, 0.10, 0.12, 0.09];
    assert_eq!(without_bursts(bursts), [0.10, 0.09, 0.11, 0.10, 0.12, 0.09]);
    assert!(without_bursts(Vec::new()).is_empty());
}
