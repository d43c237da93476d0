//! A background task that panics (the profile watcher of docs/profiles-over-time.md under the one
//! supervisor): its third round panics, a fault only a test build can inject
//! (`watch.panic_at_round`, feature `fault-injection`). The supervisor starts it again after a
//! second, `/health` shows the restart, and the watcher goes on where it was: every slice of every
//! series is summarized exactly once, with none lost to the workers the panic cut off.

use std::collections::BTreeMap;

use crate::helpers::{eventually, health_of, spawn_app_with, TestApp};
use crate::stubs::java::stub_pyroscope;

const SLICE: i64 = 10;

/// `watch_slices_total{outcome="summarized"}` of the service's `/metrics`.
async fn summarized(app: &TestApp) -> u64 {
    let text = app.get("/metrics").await.text().await.unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("watch_slices_total{outcome=\"summarized\"} "))
        .map_or(0, |n| n.parse().unwrap())
}

/// Each series' summarized slice starts, from the store.
async fn slices(app: &TestApp) -> BTreeMap<(String, String), Vec<i64>> {
    let mut conn = app.pg().await;
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "select app_name, profile_type, slice_start from profile_summary order by 1, 2, 3",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    let mut series: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for (app, profile_type, start) in rows {
        series.entry((app, profile_type)).or_default().push(start);
    }
    series
}

#[tokio::test]
async fn a_watcher_that_panics_is_restarted_and_summarizes_each_slice_once() {
    // Two apps, the same profile for any range: every slice of every series has samples.
    let stub = stub_pyroscope().await;
    let url = url::Url::parse(&stub.uri()).unwrap();
    let app = spawn_app_with(move |s| {
        s.pyroscope.url = Some(url);
        s.pyroscope.cache_ttl_secs = std::time::Duration::ZERO;
        s.watch.enabled = true;
        s.watch.backfill_hours = 0;
        s.watch.slice_secs = pf_model::SliceSecs::new(SLICE).expect("a positive slice");
        s.watch.lag_secs = std::time::Duration::from_secs(1);
        s.watch.panic_at_round = 3;
    })
    .await;

    eventually(30, "/health shows the watcher restarted once", || async {
        let watch = &health_of(&app.address).await["checks"]["profileWatch"];
        watch["status"] == "up" && watch["details"]["restarts"] == 1
    })
    .await;
    let restarted = chrono::Utc::now().timestamp();
    // Two slices that started after the restart, summarized for each app and type.
    eventually(60, "slices after the restart are summarized", || async {
        let series = slices(&app).await;
        series.len() >= 2
            && series
                .values()
                .all(|s| s.iter().filter(|&&t| t >= restarted).count() >= 2)
    })
    .await;
    let series = slices(&app).await;
    for (key, starts) in &series {
        // No gap: the slices a cut-off worker held were summarized after all.
        let expected: Vec<i64> = (0..starts.len() as i64)
            .map(|i| starts[0] + i * SLICE)
            .collect();
        assert_eq!(starts, &expected, "{key:?}");
    }
    // Every summary written once: at a moment when no summary lands (the count is the same
    // before and after the store is read), the watcher counted as many as the store holds. A
    // slice summarized twice would keep the count above the rows for good.
    eventually(
        60,
        "the summarized count equals the stored summaries",
        || async {
            let before = summarized(&app).await;
            let rows: usize = slices(&app).await.values().map(Vec::len).sum();
            before == summarized(&app).await && before == rows as u64
        },
    )
    .await;
}
