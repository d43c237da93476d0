//! Steps that hold, seen through drifting profile windows (`drift.rs`): confirmed whatever the
//! slices' phase, their gaps and their doubled slices; and processes that change nothing,
//! deployed or not, never confirmed.

use super::drift::{watch, Process, Profiling};
use super::simulation::SplitMix;
use crate::model::DetectorSettings;
use pf_model::{SliceSecs, Slices};

/// The function shares of the Go program of `scripts/lasting_steps.sh` (tests/runtimes/steps)
/// as `go tool pprof` reads them: render, parse, compile, the runtime's preemption, handle and
/// a few small ones.
const NAMES: [&str; 8] = [
    "main.render",
    "main.parse",
    "main.compile",
    "runtime.asyncPreempt",
    "main.handle",
    "runtime.mallocgc",
    "time.now",
    "runtime.findRunnable",
];
const SHARES: [f64; 8] = [0.53, 0.26, 0.09, 0.08, 0.02, 0.006, 0.004, 0.002];

/// `shares` with function `f` doing `factor` times its work, the rest unchanged in cost: its
/// share b becomes f·b / (1 + (f − 1)·b).
fn grown(shares: &[f64], f: usize, factor: f64) -> Vec<f64> {
    let b = shares[f];
    let rest = 1.0 + (factor - 1.0) * b;
    shares
        .iter()
        .enumerate()
        .map(|(i, &s)| if i == f { factor * b / rest } else { s / rest })
        .collect()
}

/// The live test's settings: 10-s slices, 8 reference, 3 recent, 2 to confirm.
fn ten_second_settings() -> DetectorSettings {
    DetectorSettings {
        reference_slices: 8,
        recent_slices: 3,
        confirm_slices: 2,
        slices: Slices {
            slice_secs: SliceSecs::new(10).unwrap(),
            lag_secs: 15,
        },
        ..DetectorSettings::default()
    }
}

/// One app: `before` for `before_secs` (give or take 5 s), then the deploy of `after` for
/// `after_secs`; windows of 10 s plus up to 0–0.5 s of drift each (the bound drawn per run),
/// the old process's last window cut short when it stops, a gap of up to 3 s at the deploy,
/// and in half the runs a second process on the core taking up to 60 % of it.
fn app(
    rng: &mut SplitMix,
    (before, before_secs): (Vec<f64>, f64),
    (after, after_secs): (Vec<f64>, f64),
) -> Profiling {
    let process = |shares, version| Process { shares, version };
    Profiling {
        names: NAMES.iter().map(|n| (*n).to_owned()).collect(),
        processes: vec![
            (
                process(before, "c1"),
                before_secs + 10.0 * rng.uniform() - 5.0,
            ),
            (process(after, "c4"), after_secs),
        ],
        period: 10.0,
        drift: 0.5 * rng.uniform(),
        gap: 3.0 * rng.uniform(),
        rate: 100.0,
        jitter: 0.03,
        load: if rng.uniform() < 0.5 { 0.0 } else { 0.6 },
    }
}

/// What happened to the steps of `runs` apps, each a step of `factor` in one of `functions`
/// at its deploy: how many were confirmed on that function with the change point within a
/// slice of the deploy's, and the empty and doubled slices met on the way.
struct Outcome {
    runs: usize,
    confirmed: usize,
    misses: Vec<String>,
    empty: usize,
    doubled: usize,
    /// Confirmations of functions the step did not change.
    others: usize,
}

fn steps(
    settings: &DetectorSettings,
    (before_secs, after_secs): (f64, f64),
    functions: &[usize],
    seed: u64,
) -> Outcome {
    let mut rng = SplitMix(seed);
    let slice_secs = settings.slices.slice_secs.secs();
    let mut outcome = Outcome {
        runs: 0,
        confirmed: 0,
        misses: Vec::new(),
        empty: 0,
        doubled: 0,
        others: 0,
    };
    for run in 0..400 {
        let f = functions[run % functions.len()];
        let factor = [2.0, 3.0][run / functions.len() % 2];
        let profiling = app(
            &mut rng,
            (SHARES.to_vec(), before_secs),
            (grown(&SHARES, f, factor), after_secs),
        );
        let (store, slices, empty) = watch(&profiling, seed ^ (run as u64 + 1), settings);
        outcome.runs += 1;
        outcome.empty += empty;
        outcome.doubled += slices.iter().filter(|s| s.doubled).count();
        let deploy = slices
            .iter()
            .find(|s| s.summary.refs.iter().any(|r| r == "c4"))
            .map_or(0, |s| s.summary.start);
        let hit = store
            .confirmed
            .iter()
            .find(|c| c.finding.function == NAMES[f]);
        match hit {
            Some(c) if (c.finding.changed_at - deploy).abs() <= slice_secs => {
                outcome.confirmed += 1;
            }
            _ => outcome.misses.push(format!(
                "run {run}: {} ×{factor}: suspected {:?}, went away {:?}, confirmed {:?}",
                NAMES[f], store.suspected, store.went_away, store.confirmed
            )),
        }
        outcome.others += store
            .confirmed
            .iter()
            .filter(|c| c.finding.function != NAMES[f])
            .count();
    }
    outcome
}

/// Functions of at least 2 % of the program, whose doubling is at least the smallest delta an
/// event has (1 point).
const FUNCTIONS: [usize; 4] = [0, 1, 2, 4];

#[test]
fn steps_that_hold_are_confirmed_through_drifting_windows_at_ten_second_slices() {
    // 130 s before the deploy, as the live test runs, then the step holds for 40 slices.
    let outcome = steps(&ten_second_settings(), (130.0, 400.0), &FUNCTIONS, 0xD21F7);
    println!(
        "10-s slices: {} of {} confirmed at the deploy, {} other functions; {} empty and {} doubled slices",
        outcome.confirmed, outcome.runs, outcome.others, outcome.empty, outcome.doubled
    );
    assert!(
        outcome.empty > 200 && outcome.doubled > 100,
        "the windows drifted"
    );
    assert!(
        outcome.confirmed * 100 >= outcome.runs * 99,
        "{} of {}: {:#?}",
        outcome.confirmed,
        outcome.runs,
        outcome.misses
    );
}

#[test]
fn steps_that_hold_are_confirmed_through_drifting_windows_at_five_minute_slices() {
    // The defaults: 24 reference slices, 6 recent, 3 to confirm; 40 slices before the
    // deploy, 20 after it.
    let settings = DetectorSettings::default();
    let outcome = steps(&settings, (12_000.0, 6_000.0), &FUNCTIONS, 0x5_1CE5);
    println!(
        "300-s slices: {} of {} confirmed at the deploy, {} other functions; {} doubled slices",
        outcome.confirmed, outcome.runs, outcome.others, outcome.doubled
    );
    assert!(
        outcome.confirmed * 100 >= outcome.runs * 99,
        "{} of {}: {:#?}",
        outcome.confirmed,
        outcome.runs,
        outcome.misses
    );
}

#[test]
fn processes_that_change_nothing_are_confirmed_no_more_often_than_before_through_drifting_windows()
{
    // A/A: the same program deployed again (a new ref, the same shares), 400 runs at each
    // slice length: the live test's 10-s settings (8 reference slices: a weak test, whose
    // noise the Benjamini–Hochberg bar lets through now and then) and the defaults at 300 s.
    // The bound of each is what the detector confirmed on these very runs before a doubled
    // slice was left out of the windows and a step still as big was decided again (measured
    // on commit c9f6caf: 8 and 0); it must not grow.
    let cases = [
        (ten_second_settings(), (130.0, 400.0), 8),
        (DetectorSettings::default(), (12_000.0, 6_000.0), 0),
    ];
    for (settings, secs, before) in cases {
        let mut rng = SplitMix(0xAA_00 + settings.slices.slice_secs.secs() as u64);
        let (mut suspected, mut confirmed) = (0, Vec::new());
        for run in 0..400 {
            let profiling = app(
                &mut rng,
                (SHARES.to_vec(), secs.0),
                (SHARES.to_vec(), secs.1),
            );
            let (store, _, _) = watch(&profiling, 0xA_A000 + run, &settings);
            suspected += store.suspected.len();
            confirmed.extend(store.confirmed.into_iter().map(|c| c.finding.clone()));
        }
        let slice_secs = settings.slices.slice_secs.secs();
        println!(
            "A/A at {slice_secs} s: {suspected} suspected, {} confirmed (before: {before})",
            confirmed.len()
        );
        assert!(confirmed.len() <= before, "{confirmed:#?}");
    }
}
