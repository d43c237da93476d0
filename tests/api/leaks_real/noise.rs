//! What the leak proof's programs (docs/regressions.md#memory-that-only-grows) write, read without
//! the detector: the Go program's heap profiles hold exactly what each mode keeps, Node's uploads
//! grow by exactly one flush's keep, and the service reads each slice's in-use as the profile says.
//! Then the noise of the functions that do not grow (the steady set, the churn, the levelled
//! cache), per slice: coefficient of variation and lag-1 autocorrelation, printed for the seeded
//! simulation's noise.

use std::collections::BTreeMap;

use super::node::checked_run;
use super::programs::{
    go_scratch, go_ticks, self_inuse, series_of, DEFAULT_RATE, EXACT_RATE, GO_LEAK_PER_TICK,
    GO_WARM_PER_TICK, GO_WARM_TICKS,
};
use super::service::{push, Push, SLICE};
use crate::helpers::{json_with_status, self_samples, TestApp};
use crate::ingest::spawn_with_store;

/// Where the reading checks place their slices (any past time).
const FROM: i64 = 1_760_000_000;

/// Coefficient of variation and lag-1 autocorrelation of `x` (None when `x` is constant).
pub fn noise(x: &[i64]) -> (f64, Option<f64>) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<i64>() as f64 / n;
    let dev: Vec<f64> = x.iter().map(|v| *v as f64 - mean).collect();
    let var: f64 = dev.iter().map(|d| d * d).sum::<f64>();
    let cv = (var / (n - 1.0)).sqrt() / mean;
    let lag1 = dev.windows(2).map(|w| w[0] * w[1]).sum::<f64>();
    (cv, (var > 0.0).then(|| lag1 / var))
}

fn say(what: &str, x: &[i64]) {
    let (cv, r1) = noise(x);
    let r1 = r1.map_or("constant".to_owned(), |r| format!("{r:+.3}"));
    let mean = x.iter().sum::<i64>() as f64 / x.len() as f64;
    eprintln!(
        "noise: {what:<48} n={:>2} mean={:>10.0} B  cv={cv:.4}  lag1={r1}",
        x.len(),
        mean
    );
}

/// Each profile's whole in-use (the sum of every function's self bytes).
fn totals(profiles: &[Vec<u8>]) -> Vec<i64> {
    profiles
        .iter()
        .map(|p| self_inuse(p).values().sum())
        .collect()
}

/// Pushes profile k into slice k from [`FROM`] and checks the service reads each slice's
/// self in-use as the profile holds it, function by function.
async fn read_alike(app: &TestApp, name: &str, pushes: &[Push]) {
    let base = name.split('{').next().unwrap();
    for (k, p) in pushes.iter().enumerate() {
        let from = FROM + k as i64 * SLICE;
        push(app, name, (from, from + SLICE), p).await;
    }
    for (k, p) in pushes.iter().enumerate() {
        let from = FROM + k as i64 * SLICE;
        let path = format!(
            "/profiles/{base}?type=inuse&from={from}&to={}&limit=1000",
            from + SLICE
        );
        let got: BTreeMap<String, u64> =
            self_samples(&json_with_status(app.get(&path).await, 200).await)
                .into_iter()
                .collect();
        let want: BTreeMap<String, u64> = self_inuse(&p.body)
            .into_iter()
            .filter(|(_, v)| *v > 0)
            .map(|(f, v)| (f, v as u64))
            .collect();
        assert_eq!(
            got, want,
            "{name}: slice {k} is read otherwise than its profile"
        );
    }
}

/// `got` is `want` plus one constant of under 4 KiB: at rate 1 Go also records the runtime's
/// own small blocks under the function whose allocation made it take them (the first
/// collection's workers, 96 bytes in some runs), which moves a level, never a slope.
fn assert_kept(got: &[i64], want: &[i64]) {
    let offset = got[0] - want[0];
    let moved: Vec<i64> = want.iter().map(|w| w + offset).collect();
    assert!(
        (0..4096).contains(&offset) && got == moved,
        "kept {got:?}, want {want:?} plus one constant under 4 KiB"
    );
}

#[tokio::test]
async fn leaks_real_go_programs_keep_what_they_say_and_the_service_reads_it() {
    let ticks = 16;
    let leak = go_ticks("leak", ticks, EXACT_RATE);
    let level = go_ticks("level", ticks, EXACT_RATE);
    let churn = go_ticks("churn", ticks, EXACT_RATE);
    let want_leak: Vec<i64> = (1..=ticks as i64)
        .map(|k| k * GO_LEAK_PER_TICK + go_scratch(k - 1))
        .collect();
    assert_kept(&series_of(&leak, "main.retainRecords"), &want_leak);
    let want_level: Vec<i64> = (1..=ticks)
        .map(|k| k.min(GO_WARM_TICKS) as i64 * GO_WARM_PER_TICK)
        .collect();
    assert_kept(&series_of(&level, "main.warmCache"), &want_level);
    for profiles in [&leak, &level, &churn] {
        let steady = series_of(profiles, "main.loadSteady");
        assert_kept(&steady, &vec![8 << 20; ticks]);
    }
    let batch = series_of(&churn, "main.processBatch");
    assert!(
        batch.iter().all(|v| *v > 4 << 20 && *v < 8 << 20),
        "{batch:?}"
    );

    let store = tempfile::tempdir().unwrap();
    let app = spawn_with_store(store.path()).await;
    for (name, profiles) in [
        ("read-leak", &leak),
        ("read-level", &level),
        ("read-churn", &churn),
    ] {
        let pushes: Vec<Push> = profiles.iter().map(|p| Push::pprof(p)).collect();
        read_alike(&app, name, &pushes).await;
    }
}

#[tokio::test]
async fn leaks_real_node_uploads_grow_by_what_was_kept_and_the_service_reads_them() {
    let run = checked_run("node-read");
    let bodies: Vec<Vec<u8>> = run.uploads.iter().map(|u| u.body.clone()).collect();
    // The stable part of the Node process: everything but the keeping function (the steady
    // arrays, the agent's own upload and serialization, Node's internals).
    let rest: Vec<i64> = bodies
        .iter()
        .map(|b| {
            let by = self_inuse(b);
            by.iter()
                .filter(|(n, _)| !n.contains(":keepRecords:"))
                .map(|(_, v)| v)
                .sum()
        })
        .collect();
    say("node: all but keepRecords (32 KiB sampling)", &rest[1..]);
    // The largest of the others, each on its own (the first upload, before the agent's own
    // upload machinery was loaded, left out).
    let mut largest: Vec<(String, i64)> = self_inuse(&bodies[bodies.len() - 1])
        .into_iter()
        .filter(|(n, _)| !n.contains(":keepRecords:"))
        .collect();
    largest.sort_by_key(|(_, v)| -v);
    for (name, _) in largest.iter().take(4) {
        say(&format!("node: {name}"), &series_of(&bodies, name)[1..]);
    }
    // Through the pure detector: one confirmed leak, on keepRecords, at the true rate.
    let (_, confirmed) = super::replay::replay(&bodies);
    assert_eq!(confirmed.len(), 1, "{confirmed:#?}");
    assert!(
        confirmed[0].function.contains(":keepRecords:"),
        "{confirmed:#?}"
    );
    let l = confirmed[0].leak.as_ref().unwrap();
    let truth = (run.kept_per_flush * 3600 / SLICE) as f64;
    assert!(
        l.low - truth * 1e-9 <= truth && truth <= l.high + truth * 1e-9,
        "{l:#?}"
    );
    eprintln!("replay, node leak: {l:?}");
    let store = tempfile::tempdir().unwrap();
    let app = spawn_with_store(store.path()).await;
    let pushes: Vec<Push> = bodies
        .iter()
        .map(|b| Push {
            query: "format=pprof&spyName=nodespy".into(),
            content_type: "application/octet-stream".into(),
            body: b.clone(),
        })
        .collect();
    read_alike(&app, "node-read", &pushes).await;
}

#[test]
fn leaks_real_noise_of_the_stable_functions_per_slice() {
    let ticks = 30;
    for (rate, label) in [(DEFAULT_RATE, "512 KiB"), (EXACT_RATE, "every allocation")] {
        let churn = go_ticks("churn", ticks, rate);
        let level = go_ticks("level", ticks, rate);
        let leak = go_ticks("leak", ticks, rate);
        let at = |what: &str| format!("go {what} ({label} sampling)");
        say(
            &at("main.processBatch"),
            &series_of(&churn, "main.processBatch"),
        );
        say(&at("churn total"), &totals(&churn));
        let warm = &series_of(&level, "main.warmCache")[GO_WARM_TICKS..];
        say(&at("main.warmCache, levelled"), warm);
        say(
            &at("level total, levelled"),
            &totals(&level)[GO_WARM_TICKS..],
        );
        for (mode, p) in [("churn", &churn), ("level", &level), ("leak", &leak)] {
            say(
                &at(&format!("main.loadSteady in {mode}")),
                &series_of(p, "main.loadSteady"),
            );
        }
        let (cv, _) = noise(&series_of(&churn, "main.processBatch"));
        assert!(cv < 0.5, "the churn's in-use wanders: cv {cv}");
    }
}
