//! Steps at deploys: the run of `scripts/real_commits.sh` in which the test of two windows found
//! nothing (docs/performance.md), replayed from the watcher's own summaries, is confirmed at its
//! deploy; deploys that change nothing confirm nothing.

use serde::Deserialize;

use super::simulation::Model;
use super::simulation_store::{run, Store};
use super::{examine, DetectorSettings};
use pf_model::trend::{KeptFunction, SliceSummary};

/// One summary as the watcher stored it: start, total, refs, `[name, self, total]`.
#[derive(Deserialize)]
struct Row {
    start: i64,
    total: u64,
    refs: Vec<String>,
    functions: Vec<(String, u64, u64)>,
}

/// live-go-5 of a run on 2026-11-26: ten Go programs at once on two cores, 10-s slices, one
/// profile per 10-s window, the deploy at 1795714019 (its slice 1795714010), no profile in the
/// slice after it (the program's window had drifted by a second).
fn recorded(with_refs: bool) -> Vec<SliceSummary> {
    let text = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/live_go_5.json"
    ));
    let rows: Vec<Row> = serde_json::from_str(text).expect("the recorded summaries");
    rows.into_iter()
        .map(|r| {
            let functions = r
                .functions
                .into_iter()
                .map(|(name, self_samples, total)| KeptFunction::new(name, self_samples, total))
                .collect();
            SliceSummary {
                start: r.start,
                total_samples: r.total,
                versions: Vec::new(),
                refs: if with_refs { r.refs } else { Vec::new() },
                functions,
            }
        })
        .collect()
}

/// The settings of that run: 12 reference slices, 4 recent, the rest the defaults.
fn settings() -> DetectorSettings {
    DetectorSettings {
        reference_slices: 12,
        recent_slices: 4,
        ..DetectorSettings::default()
    }
}

fn replay(history: &[SliceSummary], settings: &DetectorSettings) -> Store {
    let mut store = Store::default();
    let keep = settings.history_slices();
    for k in 0..history.len() {
        let window = &history[(k + 1).saturating_sub(keep)..=k];
        let changes = examine(window, &store.open, settings);
        store.apply(k, changes);
    }
    store
}

#[test]
fn a_step_at_a_deploy_with_a_gap_after_it_is_confirmed_at_the_deploy() {
    let settings = settings();
    // The test of two windows found nothing here without the deploy known (no refs): it tested
    // the step once with the deploy's partial slice and the gap in its recent window (p =
    // 6.2·10⁻³, above the Benjamini–Hochberg bar) and then let it slide into the reference
    // window. The sequential test sums every slice after it, refs or none.
    for with_refs in [false, true] {
        let store = replay(&recorded(with_refs), &settings);
        let confirmed: Vec<_> = store
            .confirmed
            .iter()
            .filter(|c| c.finding.function == "main.score")
            .collect();
        assert_eq!(
            confirmed.len(),
            1,
            "refs {with_refs}: {:?}",
            store.suspected
        );
        let finding = &confirmed[0].finding;
        assert!(
            (1_795_714_000..=1_795_714_030).contains(&finding.changed_at),
            "changed at {}",
            finding.changed_at
        );
        assert!(
            finding.before_percent < 20.0 && finding.delta_percent > 10.0,
            "{finding:?}"
        );
    }
}

/// Apps of `deploys_that_change_nothing_confirm_nothing`.
const APPS: usize = 6;

#[test]
fn deploys_that_change_nothing_confirm_nothing() {
    let settings = DetectorSettings::default();
    let (mut suspected, mut confirmed) = (0, Vec::new());
    // 6 apps of 30–55 functions (the first 6 of the 20 this ran before the sequential test,
    // whose calls cost more per function: 90 s in a debug build).
    for app in 0..APPS {
        // A deploy every 40 slices (every 3 h 20 min of 5-min slices), nothing changed by any.
        let mut model = Model::stable(200 + app, 30 + app * 5);
        const VERSIONS: [&str; 8] = [
            "1.0.0", "1.0.1", "1.0.2", "1.0.3", "1.0.4", "1.0.5", "1.0.6", "1.0.7",
        ];
        model.versions = VERSIONS
            .iter()
            .enumerate()
            .map(|(i, v)| (i * 40, *v))
            .collect();
        let store = run(&model, 0xDE_9107 + app as u64, 30 + 288, &settings);
        suspected += store.suspected.len();
        confirmed.extend(store.confirmed);
    }
    assert!(
        confirmed.is_empty(),
        "{APPS} stable apps × 288 slices × 7 deploys: {suspected} suspected, {} confirmed: {confirmed:?}",
        confirmed.len()
    );
}

/// steps-9 of a run of `scripts/lasting_steps.sh` on 2026-11-27 under the code before the
/// fix: five of the Go programs at once on two cores beside a busy process and a build, 10-s
/// slices (8 reference, 3 recent, 2 to confirm), windows of 10.3 s; `main.compile` tripled at
/// the deploy (1795756347, slice 1795756340, which holds the old process's last profile and
/// the new one's first). The live run suspected it at 1795756380 and let it go away.
fn steps_go_9() -> Vec<SliceSummary> {
    let text = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/steps_go_9.json"
    ));
    let rows: Vec<Row> = serde_json::from_str(text).expect("the recorded summaries");
    rows.into_iter()
        .map(|r| SliceSummary {
            start: r.start,
            total_samples: r.total,
            versions: Vec::new(),
            refs: r.refs,
            functions: r
                .functions
                .into_iter()
                .map(|(n, s, t)| KeptFunction::new(n, s, t))
                .collect(),
        })
        .collect()
}

#[test]
fn a_lasting_step_behind_a_doubled_deploy_slice_is_confirmed_not_gone() {
    let settings = DetectorSettings {
        reference_slices: 8,
        recent_slices: 3,
        confirm_slices: 2,
        slices: pf_model::Slices {
            slice_secs: pf_model::SliceSecs::new(10).expect("10 s"),
            lag_secs: 15,
        },
        ..DetectorSettings::default()
    };
    let store = replay_in_time(&steps_go_9(), &settings);
    let compile: Vec<_> = store
        .confirmed
        .iter()
        .filter(|c| c.finding.function == "main.compile")
        .collect();
    assert!(
        store.went_away.is_empty() && compile.len() == 1,
        "went away {:?}, suspected {:?}",
        store.went_away,
        store.suspected
    );
    // Changed at the deploy's slice, which the windows leave out.
    assert_eq!(compile[0].finding.changed_at, 1_795_756_340);
    assert!(
        compile[0].finding.delta_percent > 4.0,
        "{:?}",
        compile[0].finding
    );
}

/// The detector after every slice of `history`, with the summaries of the last
/// `history_slices()` slices in time, as the watcher passes them.
fn replay_in_time(history: &[SliceSummary], settings: &DetectorSettings) -> Store {
    let mut store = Store::default();
    let slice = settings.slices.slice_secs.secs();
    let reach = settings.history_slices() as i64 - 1;
    for k in 0..history.len() {
        let newest = history[k].start;
        let window: Vec<SliceSummary> = history[..=k]
            .iter()
            .filter(|s| s.start >= newest - reach * slice)
            .cloned()
            .collect();
        let changes = examine(&window, &store.open, settings);
        store.apply(k, changes);
    }
    store
}
