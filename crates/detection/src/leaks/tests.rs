//! The rules of the module docs, one hand-made series each: windows, restarts and gates
//! (`decision_tests.rs`: the open events).

use std::collections::HashSet;

use super::*;
use crate::model::{Change, EventState, OpenEvent};
use pf_model::trend::KeptFunction;

pub(super) const EPOCH: i64 = 1_704_067_200;
pub(super) const MIB: u64 = 1 << 20;

/// A 12-slice window, a 1 MiB growth gate: small series that still show every rule.
pub(super) fn settings() -> LeakSettings {
    LeakSettings {
        window_slices: 12,
        min_growth_bytes: MIB,
        ..LeakSettings::default()
    }
}

pub(super) fn start(k: i64) -> i64 {
    EPOCH + 300 * k
}

/// Slice k's summary: `rest` bytes besides the functions, which are kept as given.
pub(super) fn slice(k: i64, rest: u64, functions: &[(&str, u64)]) -> SliceSummary {
    let mut functions: Vec<KeptFunction> = functions
        .iter()
        .map(|&(name, bytes)| KeptFunction::new(name.to_owned(), bytes, bytes))
        .collect();
    functions.sort_by_key(|f| std::cmp::Reverse(f.self_samples));
    SliceSummary {
        start: start(k),
        total_samples: rest + functions.iter().map(|f| f.self_samples).sum::<u64>(),
        versions: Vec::new(),
        refs: Vec::new(),
        functions,
    }
}

/// A steady function with a small wobble, and "leak" growing 512 KiB a slice from 2 MiB at
/// slice `born` (a restart at `born` when it is not 0: the rest of the process falls too).
pub(super) fn leaking(k: i64, born: i64) -> SliceSummary {
    let wobble = ((k * 7) % 5) as u64 * 1024;
    let age = if k >= born { k - born } else { k } as u64;
    let rest = if born > 0 && k >= born {
        100 * MIB
    } else {
        500 * MIB
    };
    slice(
        k,
        rest,
        &[
            ("steady", 50 * MIB + wobble),
            ("leak", 2 * MIB + age * 512 * 1024),
        ],
    )
}

pub(super) fn history(
    slices: std::ops::Range<i64>,
    f: impl Fn(i64) -> SliceSummary,
) -> Vec<SliceSummary> {
    slices.map(f).collect()
}

pub(super) fn event(id: i64, state: EventState, suspected_at: i64) -> OpenEvent {
    OpenEvent {
        id,
        function: "leak".to_owned(),
        state,
        suspected_at,
        first_recent: suspected_at - 11 * 300,
        changed_at: suspected_at - 11 * 300,
        before_percent: 0.5,
        confirmed_at: (state == EventState::Confirmed).then_some(suspected_at + 900),
    }
}

pub(super) fn run(history: &[SliceSummary], open: &[OpenEvent]) -> LeakExamination {
    examine(history, open, &HashSet::new(), &settings())
}

#[test]
fn an_empty_history_decides_nothing() {
    assert_eq!(run(&[], &[]), LeakExamination::default());
}

#[test]
fn a_growing_function_is_suspected_with_its_line() {
    let h = history(0..20, |k| leaking(k, 0));
    let found = run(&h, &[]);
    let [Change::Suspected {
        suspected_at,
        first_recent,
        finding,
    }] = &found.changes[..]
    else {
        panic!("one suspicion: {found:?}");
    };
    assert_eq!((*suspected_at, *first_recent), (start(19), start(8)));
    assert_eq!(
        (finding.function.as_str(), finding.changed_at),
        ("leak", start(8))
    );
    let leak = finding.leak.clone().expect("a line");
    let rate = 512.0 * 1024.0 / 300.0;
    assert!(
        (leak.bytes_per_hour - rate * 3600.0).abs() < 1e-6,
        "{leak:?}"
    );
    assert!(leak.low <= leak.bytes_per_hour && leak.bytes_per_hour <= leak.high);
    assert_eq!(
        (leak.since, leak.fit_from, leak.through),
        (start(8), start(8), start(19))
    );
    assert!((leak.start_bytes - (2 * MIB + 8 * 512 * 1024) as f64).abs() < 1e-3);
    assert_eq!(leak.current_bytes, 2 * MIB + 19 * 512 * 1024);
    assert_eq!(leak.total_bytes, h[19].total_samples);
    assert!(finding.after_percent > finding.before_percent);
    assert!(finding.low <= finding.delta_percent && finding.delta_percent <= finding.high);
    assert!((found.growth_per_sec - rate).abs() < 1e-9);
}

#[test]
fn a_history_shorter_than_the_window_is_not_tested() {
    assert!(run(&history(0..11, |k| leaking(k, 0)), &[])
        .changes
        .is_empty());
    assert_eq!(
        run(&history(0..12, |k| leaking(k, 0)), &[]).changes.len(),
        1
    );
}

#[test]
fn a_few_missed_slices_are_fine_but_not_a_quarter_and_more() {
    let mut h = history(0..20, |k| leaking(k, 0));
    h.retain(|s| ![start(10), start(12), start(14)].contains(&s.start));
    assert_eq!(run(&h, &[]).changes.len(), 1, "9 of 12 slices");
    h.retain(|s| s.start != start(16));
    assert!(run(&h, &[]).changes.is_empty(), "8 of 12 slices");
}

#[test]
fn a_restart_starts_the_test_again_from_a_whole_window() {
    let h = history(0..30, |k| leaking(k, 20));
    assert!(
        run(&h, &[]).changes.is_empty(),
        "10 slices since the restart"
    );
    let h = history(0..32, |k| leaking(k, 20));
    assert_eq!(run(&h, &[]).changes.len(), 1, "12 slices since the restart");
}

#[test]
fn the_growth_gates_hold_back_small_or_relatively_small_growth() {
    let slow = |k: i64| slice(k, 500 * MIB, &[("leak", 2 * MIB + k as u64 * 64 * 1024)]);
    assert!(
        run(&history(0..20, slow), &[]).changes.is_empty(),
        "0.7 MiB < 1 MiB"
    );
    let big = |k: i64| slice(k, 500 * MIB, &[("leak", 40 * MIB + k as u64 * 512 * 1024)]);
    assert!(
        run(&history(0..20, big), &[]).changes.is_empty(),
        "5.5 MiB < 0.5 × 44 MiB"
    );
    let mut relaxed = settings();
    relaxed.min_relative = 0.1;
    let found = examine(&history(0..20, big), &[], &HashSet::new(), &relaxed);
    assert_eq!(found.changes.len(), 1, "5.5 MiB ≥ 0.1 × 44 MiB");
}

#[test]
fn a_shrinking_or_noisy_function_is_not_a_leak() {
    let down = |k: i64| slice(k, 500 * MIB, &[("leak", 40 * MIB - k as u64 * 512 * 1024)]);
    assert!(run(&history(0..20, down), &[]).changes.is_empty());
    let saw = |k: i64| {
        slice(
            k,
            500 * MIB,
            &[("leak", if k % 2 == 0 { 2 * MIB } else { 9 * MIB })],
        )
    };
    assert!(run(&history(0..20, saw), &[]).changes.is_empty());
}

#[test]
fn blocked_and_watched_functions_are_not_suspected_again() {
    let h = history(0..20, |k| leaking(k, 0));
    let blocked: HashSet<&str> = ["leak"].into();
    let found = examine(&h, &[], &blocked, &settings());
    assert!(found.changes.is_empty());
    let open = [event(9, EventState::Confirmed, start(15))];
    let found = run(&h, &open);
    // No new suspicion of it: the confirmed leak is only measured again.
    assert!(
        matches!(found.changes.as_slice(), [Change::Remeasured { id: 9, .. }]),
        "{found:?}"
    );
    assert!(
        found.growth_per_sec > 0.0,
        "a confirmed leak still counts in the rate"
    );
}

#[test]
fn an_absent_function_counts_its_slices_upper_bound() {
    // Kept only from slice 10 on: before, every slice kept fewer than top, so it had 0.
    let late = |k: i64| {
        let leak = if k >= 10 {
            2 * MIB + (k - 10) as u64 * 512 * 1024
        } else {
            0
        };
        let mut kept = vec![("steady", 50 * MIB)];
        if leak > 0 {
            kept.push(("leak", leak));
        }
        slice(k, 500 * MIB, &kept)
    };
    assert_eq!(run(&history(0..20, late), &[]).changes.len(), 1);
    // Summaries that kept `top` functions: the absent one had at most their smallest,
    // 30 MiB, above its own values: no longer a rise.
    let mut full = settings();
    full.top_functions = 2;
    let bounded = |k: i64| {
        let leak = 2 * MIB + k as u64 * 512 * 1024;
        if k < 10 {
            slice(k, 500 * MIB, &[("steady", 50 * MIB), ("other", 30 * MIB)])
        } else {
            slice(k, 500 * MIB, &[("steady", 50 * MIB), ("leak", leak)])
        }
    };
    assert!(
        examine(&history(0..20, bounded), &[], &HashSet::new(), &full)
            .changes
            .is_empty()
    );
}
