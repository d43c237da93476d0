//! Regressions after regressions (docs/regressions.md): a confirmed regression nobody rolls back
//! settles after `settle_slices`, and the same function's next regression is found.

use super::examine;
use super::simulation::{start, Model, Step};
use super::simulation_store::run;
use super::tests::event;
use crate::model::{Change, DetectorSettings, EventState};
use pf_model::trend::SliceSummary;

/// `rows` slices of 1 000 samples where "x" has 50 (a confirmed regression's new level).
fn level(rows: usize, first: usize) -> Vec<SliceSummary> {
    (first..first + rows)
        .map(|k| super::tests::slice(k, 1000, &[("base", 500), ("x", 50)]))
        .collect()
}

#[test]
fn a_confirmed_regression_settles_once_settle_slices_have_passed_since_its_confirmation() {
    let settings = DetectorSettings {
        settle_slices: 288,
        ..DetectorSettings::default()
    };
    // Confirmed at slice 0 (start 0); x stays at 5 %, far above its before 1 %: never resolved.
    let mut confirmed = event(7, "x", EventState::Confirmed, 0);
    confirmed.confirmed_at = Some(0);
    // Newest slice 287 (start 86 100): 287 slices after, not yet.
    let before = level(39, 249);
    assert_eq!(examine(&before, &[confirmed.clone()], &settings), []);
    // Newest slice 288 (start 86 400 = 288 × 300): settled there, and "x" is not suspected in
    // the same call (one change per function and call).
    let due = level(39, 250);
    assert_eq!(
        examine(&due, &[confirmed.clone()], &settings),
        [Change::Settled { id: 7, at: 86_400 }]
    );
    // Never before `settle_floor()` (240 + 16 − 8 = 248) slices, whatever `settle_slices` says:
    // until then the reference window still reaches back over the change point.
    let soon = DetectorSettings {
        settle_slices: 6,
        ..DetectorSettings::default()
    };
    assert_eq!(examine(&level(248, 0), &[confirmed.clone()], &soon), []);
    assert_eq!(
        examine(&level(249, 0), &[confirmed], &soon),
        [Change::Settled {
            id: 7,
            at: 248 * 300
        }]
    );
}

#[test]
fn a_second_regression_of_a_function_whose_first_settled_is_confirmed() {
    // A function at 0.5 % rises 2 points at CHANGE and stays; a day and more later it rises
    // 2.5 points more. The first regression is confirmed, settles 288 slices after, and the
    // second is confirmed against the level the first left.
    const CHANGE: usize = 70;
    const SECOND: usize = CHANGE + 320;
    let mut model = Model::stable(7, 50);
    let hot = model.add("app7.hot");
    model.shares[hot] = 0.005;
    for (from, until, share) in [(CHANGE, SECOND, 0.025), (SECOND, usize::MAX, 0.05)] {
        model.steps.push(Step {
            function: hot,
            from,
            until,
            share,
        });
    }
    let settings = DetectorSettings::default();
    let store = run(&model, 0x5E771E, SECOND + 24, &settings);
    let hot_confirmations: Vec<_> = store
        .confirmed
        .iter()
        .filter(|c| c.finding.function == "app7.hot")
        .collect();
    assert_eq!(
        hot_confirmations.len(),
        2,
        "confirmed {:?}, settled {:?}",
        store.confirmed,
        store.settled
    );
    let (first, second) = (hot_confirmations[0], hot_confirmations[1]);
    assert_eq!(store.settled, [(first.slice + 288, "app7.hot".to_owned())]);
    assert!(
        first.slice <= CHANGE + 12 && second.slice <= SECOND + 12,
        "{store:?}"
    );
    assert!(
        (second.finding.changed_at - start(SECOND)).abs() <= 300,
        "{second:?}"
    );
    // Against the new level: about 2.5 % before, 5 % after.
    let f = &second.finding;
    assert!(
        (f.before_percent - 2.5).abs() < 0.5 && (f.delta_percent - 2.5).abs() < 0.5,
        "{f:?}"
    );
    assert!(
        store.resolved.is_empty() && store.went_away.is_empty(),
        "{store:?}"
    );
    assert_eq!(
        store.confirmed.len(),
        2,
        "nothing else: {:?}",
        store.confirmed
    );
    // Without settling (the test and its confirmation alone), the open first regression blinds the
    // detector to it.
    let never = DetectorSettings {
        settle_slices: usize::MAX,
        ..DetectorSettings::default()
    };
    let blind = run(&model, 0x5E771E, SECOND + 24, &never);
    assert_eq!(blind.confirmed.len(), 1, "{:?}", blind.confirmed);
    eprintln!(
        "first confirmed {} slices after its change, settled at +288; second confirmed {} \
         slices after its change, change point {:+} s, Δ {:.2} from {:.2} %",
        first.slice - CHANGE,
        second.slice - SECOND,
        second.finding.changed_at - start(SECOND),
        f.delta_percent,
        f.before_percent
    );
}
