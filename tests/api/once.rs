//! Every profile counted once (docs/agents.md#pushing-from-agents): a pushed profile belongs to the
//! one window `[from, to)` that holds its start, so windows that meet never share a push and a
//! window of n slices reads the pushes of n slices, before and after compaction.

use std::collections::HashMap;
use std::path::Path;

use crate::helpers::{json_with_status, self_samples, spawn_app_with, TestApp};
use crate::ingest::{cpu_pprof, ingest, stored_files};

/// A multiple of 10: the 10-s slice grid starts here.
const T0: i64 = 1_760_000_000;

/// Twelve pushes of two processes, 10 s each as the SDKs send them, neither aligned to the
/// grid: `a` starts 3 s into each slice, `b` 7 s in. Push `n` counts `1 << n` samples in
/// `busy_hot` (so a total names exactly the pushes it holds) and one in `busy_cold`.
fn pushes() -> Vec<(&'static str, i64, i64)> {
    (0..12)
        .map(|n| {
            let (instance, offset) = if n % 2 == 0 { ("a", 3) } else { ("b", 7) };
            (instance, T0 + offset + 10 * (n / 2), 1i64 << n)
        })
        .collect()
}

/// `busy_hot` and `busy_cold` of the pushes whose start lies in `[from, to)`.
fn expected(from: i64, to: i64) -> Vec<(String, u64)> {
    let held: Vec<i64> = pushes()
        .into_iter()
        .filter(|(_, start, _)| from <= *start && *start < to)
        .map(|(_, _, hot)| hot)
        .collect();
    let mut want = vec![
        ("busy_hot".to_owned(), held.iter().sum::<i64>() as u64),
        ("busy_cold".to_owned(), held.len() as u64),
    ];
    want.sort();
    want
}

async fn read(app: &TestApp, from: i64, to: i64) -> Vec<(String, u64)> {
    let res = app
        .get(&format!("/profiles/once?from={from}&to={to}&limit=10"))
        .await;
    let mut got = self_samples(&json_with_status(res, 200).await);
    got.sort();
    got
}

/// A store compacting 10-s pieces (the watcher's slice), keeping the 2025 pushes.
async fn spawn(dir: &Path) -> TestApp {
    let dir = dir.to_path_buf();
    spawn_app_with(move |s| {
        s.ingest.store_dir = dir;
        s.ingest.retention_days = std::num::NonZeroU32::new(36_500).unwrap();
        s.watch.slice_secs = pf_model::SliceSecs::new(10).expect("a positive slice");
    })
    .await
}

/// Windows on the 10-s grid: 10, 20 and 100 s long.
fn aligned() -> Vec<(i64, i64)> {
    let mut windows: Vec<(i64, i64)> = (0..6).map(|k| (T0 + 10 * k, T0 + 10 * k + 10)).collect();
    windows.extend((0..3).map(|k| (T0 + 20 * k, T0 + 20 * k + 20)));
    windows.extend([(T0 - 20, T0 + 80), (T0 + 50, T0 + 150)]);
    windows
}

#[tokio::test]
async fn windows_read_exactly_the_pushes_whose_start_lies_in_them_before_and_after_compaction() {
    let store = tempfile::tempdir().unwrap();
    let app = spawn(store.path()).await;
    for (instance, start, hot) in pushes() {
        let query = format!(
            "name=once%7Binstance%3D{instance}%7D&from={start}&until={}&format=pprof",
            start + 10
        );
        let res = ingest(&app, &query, "application/octet-stream", cpu_pprof(hot, 1)).await;
        assert_eq!(res.status(), 200, "push at {start}");
    }
    assert_eq!(stored_files(&store.path().join("once")), 12);

    // Windows off the grid too, before compaction: [T0+5, T0+15) holds b's first push (7) and
    // a's second (13), not a's first although it runs until 13.
    let mut before = aligned();
    before.extend([(T0 + 5, T0 + 15), (T0 + 3, T0 + 13), (T0 + 8, T0 + 28)]);
    let mut sums: HashMap<(i64, i64), Vec<(String, u64)>> = HashMap::new();
    for (from, to) in before {
        let got = read(&app, from, to).await;
        assert_eq!(got, expected(from, to), "[{from}, {to}) before compaction");
        sums.insert((from, to), got);
    }
    // Ten 10-s windows in a row add up to the 100-s window: nothing is counted twice.
    let hot = |w: &[(String, u64)]| w.iter().find(|(n, _)| n == "busy_hot").map_or(0, |f| f.1);
    let tens: u64 = (0..6)
        .map(|k| hot(&sums[&(T0 + 10 * k, T0 + 10 * k + 10)]))
        .sum();
    assert_eq!(tens, hot(&sums[&(T0 - 20, T0 + 80)]));
    assert_eq!(tens, (1u64 << 12) - 1, "all twelve pushes, each once");
    drop(app);

    // A restarted store compacts each closed 10-s piece's two pushes into one file at once;
    // the windows on the grid read the same pushes from the merged files.
    let app = spawn(store.path()).await;
    crate::helpers::eventually(20, "twelve pushes compacted into six files", || async {
        stored_files(&store.path().join("once")) == 6
    })
    .await;
    for (from, to) in aligned() {
        assert_eq!(
            read(&app, from, to).await,
            expected(from, to),
            "[{from}, {to}) after compaction"
        );
    }
}
