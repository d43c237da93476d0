//! The directories of pprof files read: a file in the one window holding its start, a scan
//! that skips a hostile file, a replayed root.

use super::listed::ProfileFile;
use super::source;
use pf_pprof::encode::{self, Header};
use pf_pprof::test_profiles::{cpu_header, stacks, timed, LIMITS};

#[test]
fn a_file_counts_in_the_one_window_holding_its_start() {
    let at = |time_nanos: i64, duration_nanos: i64| ProfileFile {
        app: "a".into(),
        path: "a/x".into(),
        time_nanos,
        profile: std::sync::Arc::new(timed(time_nanos, duration_nanos)),
        tree_kept: true,
    };
    let s = 1_000_000_000i64;
    assert!(at(0, 0).in_window(100, 200), "no time: every window");
    assert!(at(150 * s, 10 * s).in_window(100, 200));
    assert!(
        !at(90 * s, 20 * s).in_window(100, 200),
        "overlaps the start: it belongs to the window before"
    );
    assert!(at(90 * s, 20 * s).in_window(0, 100));
    assert!(
        at(195 * s, 10 * s).in_window(100, 200),
        "starts inside, ends after: it belongs here"
    );
    assert!(!at(195 * s, 10 * s).in_window(200, 300));
    assert!(
        !at(200 * s, 10 * s).in_window(100, 200),
        "starts at the end"
    );
    assert!(
        at(100 * s, 0).in_window(100, 200),
        "an instant at the start"
    );
    assert!(
        at(100 * s, -5).in_window(100, 200),
        "a negative duration changes nothing"
    );
    assert!(
        !at(50 * s, i64::MAX).in_window(100, 200),
        "a huge duration started before"
    );
    // Adjacent windows never share a file: each start lies in exactly one.
    for start in [99, 100, 101, 109, 110, 111] {
        let file = at(start * s + 3, 10 * s);
        let holding = (90..=120)
            .step_by(10)
            .filter(|from| file.in_window(*from, from + 10))
            .count();
        assert_eq!(holding, 1, "a file starting at {start}.000000003 s");
    }
}

#[tokio::test]
async fn a_scan_gives_each_file_its_own_profile_and_skips_the_hostile_one() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir(&app).unwrap();
    // Files of distinct times, so a profile handed to the wrong path shows; one is not pprof.
    for i in 1..=9i64 {
        let header = Header {
            time_nanos: i * 1_000_000_000,
            ..cpu_header()
        };
        let bytes = encode::to_bytes(&encode::profile(&header, &stacks("main;f 1")), i % 2 == 0);
        std::fs::write(app.join(format!("{i}.pb")), bytes).unwrap();
    }
    std::fs::write(app.join("5.pb"), b"not a profile").unwrap();
    let skipped = Arc::new(AtomicUsize::new(0));
    let counter = skipped.clone();
    let profiles = source::ProfileDir::new(
        dir.path().to_owned(),
        LIMITS,
        std::time::Duration::from_secs(3600),
        Arc::new(move |path, _| {
            assert!(path.ends_with("app/5.pb"), "{}", path.display());
            counter.fetch_add(1, Ordering::Relaxed);
        }),
    );
    let snapshot = profiles.snapshot().await;
    assert_eq!((snapshot.skipped, skipped.load(Ordering::Relaxed)), (1, 1));
    let read: Vec<(String, i64)> = snapshot
        .files
        .iter()
        .map(|f| {
            let name = f.path.file_name().unwrap().to_string_lossy().into_owned();
            (name, f.profile.time_nanos / 1_000_000_000)
        })
        .collect();
    let want: Vec<(String, i64)> = [1, 2, 3, 4, 6, 7, 8, 9]
        .map(|i| (format!("{i}.pb"), i))
        .into();
    assert_eq!(read, want);

    // Replayed: the files recorded in [3 s, 6 s) count 100 s later; the rest where they were.
    let replay = source::Replay {
        from: 3,
        to: 6,
        shift: 100,
    };
    let root = source::Root {
        path: dir.path().to_owned(),
        replay: Some(replay),
        optional: false,
    };
    let replayed = source::ProfileDir::with_roots(
        vec![root],
        LIMITS,
        std::time::Duration::from_secs(3600),
        Arc::new(|_, _| {}),
    );
    let snapshot = replayed.snapshot().await;
    let times: Vec<i64> = snapshot
        .files
        .iter()
        .map(|f| f.time_nanos / 1_000_000_000)
        .collect();
    assert_eq!(times, [1, 2, 103, 104, 6, 7, 8, 9]);
    assert!(snapshot.files[2].in_window(103, 104) && !snapshot.files[2].in_window(3, 4));
}

#[tokio::test]
async fn past_the_tree_budget_the_oldest_files_are_read_again_and_the_totals_do_not_change() {
    use crate::labelled_files::merge_cached;
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir(&app).unwrap();
    for i in 1..=6i64 {
        let header = Header {
            time_nanos: i * 1_000_000_000,
            ..cpu_header()
        };
        let folded = format!("main;f{i} {i}\nmain;g 1");
        let bytes = encode::to_bytes(&encode::profile(&header, &stacks(&folded)), true);
        std::fs::write(app.join(format!("{i}.pb")), bytes).unwrap();
    }
    let listing = |budget: u64| {
        source::ProfileDir::new(
            dir.path().to_owned(),
            LIMITS,
            std::time::Duration::from_secs(3600),
            Arc::new(|_, _| {}),
        )
        .with_tree_budget(budget)
    };
    let whole = listing(u64::MAX).snapshot().await;
    assert!(whole.files.iter().all(|f| f.tree_kept));
    let one = whole.files[0].profile.heap_bytes() as u64;
    // Room for about two trees: the two newest files keep theirs.
    let bounded = listing(2 * one + one / 2).snapshot().await;
    let kept: Vec<bool> = bounded.files.iter().map(|f| f.tree_kept).collect();
    assert_eq!(kept, [false, false, false, false, true, true]);
    assert!((bounded.files[0].profile.heap_bytes() as u64) < one / 2);
    let totals = |files: &[super::listed::ProfileFile]| {
        let stats = merge_cached(files.iter(), LIMITS, "cpu/nanoseconds", false).unwrap();
        let mut f: Vec<(String, u64)> = stats
            .functions
            .iter()
            .map(|f| (f.name.clone(), f.self_samples))
            .collect();
        f.sort();
        f
    };
    assert_eq!(totals(&bounded.files), totals(&whole.files));
    // A file gone since the scan is left out, not an error.
    std::fs::remove_file(app.join("1.pb")).unwrap();
    let without_first = totals(&bounded.files);
    assert!(!without_first.iter().any(|(name, _)| name == "f1"));
}
